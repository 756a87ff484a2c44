// The review page in a real browser: Debian's Chromium (/usr/bin/chromium) driven by
// playwright-core, headless, background networking off, an empty profile folder; one launch for
// the file. A screenshot of each step goes to test-artifacts/review-browser/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import t from 'tap';
import { startReview } from '../src/review/app.js';
import { maskedExactly, pixelsOf, reviewEnv, US_SPEC } from './helpers/review.js';
import { ALICE, callAs, finished, folderJob, serve } from './helpers/serve.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join('test-artifacts', 'review-browser');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

t.test(
  'review page in Chromium',
  {
    skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package chromium)`,
  },
  async (t) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const env = await reviewEnv(t);
    const review = await startReview(env.session(), {
      port: 0,
      reviewer: 'browser-reviewer',
    });
    t.teardown(() => review.close());
    const profile = mkdtempSync(join(tmpdir(), 'anonflow-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    });
    t.teardown(async () => {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    });
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // nothing but the review server is ever asked for
    const hosts = new Set<string>();
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol !== 'blob:' && u.protocol !== 'data:') hosts.add(u.host);
    });
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

    t.test('open the page → the quarantined US image listed with its reason and a thumbnail', async (t) => {
      await page.goto(review.url);
      const row = page.locator('tbody tr');
      await row.first().waitFor();
      t.equal(await row.count(), 1);
      t.match(await row.first().innerText(), /modality US may carry burned-in text/);
      t.match(await row.first().innerText(), /\bUS\b/);
      await page.waitForFunction(() => (document.querySelector('img.thumb') as HTMLImageElement | null)?.naturalWidth);
      t.notMatch(page.url(), /token=/, 'the token left the address bar');
      await shot('01-list');
    });

    t.test('review it → the frame with the OCR box; the box is deleted from the keyboard', async (t) => {
      await page.getByRole('button', { name: 'Review image 1' }).click();
      await page.waitForFunction(() => (document.querySelector('.stage img') as HTMLImageElement | null)?.naturalWidth);
      t.equal(await page.locator('rect.box').count(), 1, 'the OCR box is shown');
      t.match(await page.getByRole('button', { name: /^Rectangle 1:/ }).innerText(), 'x 6, y 4, 28 × 9, frame 1');
      t.notMatch(await page.locator('.attrs').innerText(), /Doe/, 'identifiers hidden');
      await page.getByLabel('Show identifiers').check();
      await page.getByText('Doe^Jane').waitFor();
      await page.getByLabel('Show identifiers').uncheck();
      await shot('02-item');
      await page.getByRole('button', { name: /^Rectangle 1:/ }).click();
      await page.getByRole('application').focus();
      await page.keyboard.press('Delete');
      t.equal(await page.locator('rect.box').count(), 0, 'Delete removed the selected box');
    });

    const box = { x: 4, y: 2, width: 32, height: 13 };
    t.test('draw a box with the mouse over the text → one rectangle in image pixels; arrow keys move it', async (t) => {
      const stage = (await page.getByRole('application').boundingBox())!;
      const scale = stage.width / US_SPEC.columns;
      await page.mouse.move(stage.x + box.x * scale + 1, stage.y + box.y * scale + 1);
      await page.mouse.down();
      await page.mouse.move(stage.x + (box.x + 10) * scale, stage.y + (box.y + 5) * scale, { steps: 4 });
      await page.mouse.move(stage.x + (box.x + box.width) * scale + 1, stage.y + (box.y + box.height) * scale + 1, { steps: 4 });
      await page.mouse.up();
      const label = page.getByRole('button', { name: /^Rectangle 1:/ });
      t.equal(await label.innerText(), `Rectangle 1: x ${box.x}, y ${box.y}, ${box.width} × ${box.height}`);
      await page.keyboard.press('ArrowRight');
      t.match(await label.innerText(), `x ${box.x + 1}, y ${box.y}`);
      await page.keyboard.press('Shift+ArrowDown');
      t.match(await label.innerText(), `x ${box.x + 1}, y ${box.y + 10}`);
      await page.keyboard.press('Shift+ArrowUp');
      await page.keyboard.press('ArrowLeft');
      t.equal(await label.innerText(), `Rectangle 1: x ${box.x}, y ${box.y}, ${box.width} × ${box.height}`);
      await shot('03-drawn');
    });

    t.test('release → the file is written de-identified with the pixels under the box blanked', async (t) => {
      await page.getByRole('button', { name: 'Release with these masks' }).click();
      await page.getByText(/^Released: written as/).waitFor();
      await page.getByText('Quarantined images (0)').waitFor();
      await shot('04-released');
      const log = readFileSync(join(env.quarantine, 'review-log.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      t.match(log, [{ action: 'released', reviewer: 'browser-reviewer', masks: [box] }]);
      const out = log[0].output as string;
      t.ok(out.startsWith(env.out) && existsSync(out));
      const written = readFileSync(out);
      t.notOk(written.includes(Buffer.from('Doe^Jane')) || written.includes(Buffer.from('PID-424242')), 'no identifier in the output');
      t.same(maskedExactly(env.original.length ? pixelsOf(join(env.dir, 'released', 'us1.dcm')) : Buffer.alloc(0), pixelsOf(out), box, US_SPEC.columns), {
        inside: 0,
        outsideChanged: 0,
      });
      t.notOk(existsSync(env.file), 'out of quarantine');
      t.same(errors, [], 'no script error on the page');
      t.same([...hosts], [`127.0.0.1:${review.port}`], 'no request left the review server');
    });

    t.test('inside anon serve → the page with a user token lists the images; the jobs view shows a finished job with its counts and report', async (t) => {
      const quarantined = await reviewEnv(t);
      const s = await serve(t, {}, { review: quarantined.session() });
      const created = await callAs(s, ALICE, 'create_job', 'POST', folderJob());
      const id = Number(created.json.job_id);
      const job = await finished(s, ALICE, id);
      const jobs = await ctx.newPage();
      t.teardown(() => jobs.close());
      jobs.setDefaultTimeout(15_000);
      jobs.on('pageerror', (e) => errors.push(e.message));
      await jobs.goto(`${s.server.url}/review/#token=${ALICE.token}`);
      await jobs.locator('tbody tr').first().waitFor();
      t.match(await jobs.locator('tbody tr').first().innerText(), /modality US/);
      await jobs.getByRole('button', { name: 'Jobs' }).click();
      const row = jobs.locator(`tr[data-job="${id}"]`);
      await row.waitFor();
      const text = await row.innerText();
      t.match(text, /SUCCEEDED \(DONE\)/);
      t.match(text, new RegExp(`\\b${job.files_processed}\\b`));
      await row.getByText(`Report of job ${id}`).click();
      t.match(await row.locator('pre').innerText(), /"samples_processed"/);
      await jobs.screenshot({
        path: join(ARTIFACTS, '05-jobs.png'),
        fullPage: true,
      });
      t.same(errors, [], 'no script error on the page');
    });
  },
);
