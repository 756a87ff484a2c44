// Shared by the anonapi-style client commands (anon server|job|batch|map|select|create|settings).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { IdisApi, type Job } from '../../../client/api.js';
import { ClientError } from '../../../client/errors.js';
import { mappingPath } from '../../../client/mapping.js';
import { activeServer, loadSettings, settingsPath, type ClientSettings } from '../../../client/settings.js';

export interface Ctx {
  settings: ClientSettings;
  settingsFile: string;
  cwd: string;
}

export function ctx(): Ctx {
  const settingsFile = settingsPath();
  return { settings: loadSettings(settingsFile), settingsFile, cwd: process.cwd() };
}

export function api(c: Ctx): IdisApi {
  return IdisApi.fromSettings(c.settings, activeServer(c.settings));
}

/** Runs a handler; a ClientError is one line on stderr and exit code 1. */
export function guarded<A>(fn: (args: A) => Promise<void> | void): (args: A) => Promise<void> {
  return async (args: A) => {
    try {
      await fn(args);
    } catch (e) {
      if (e instanceof ClientError) {
        console.error(`anon: ${e.message}`);
        process.exitCode = 1;
        return;
      }
      throw e;
    }
  };
}

/**
 * The mapping the map and create commands work on: the active one (settings
 * active_mapping_file, set by anon map init / anon map activate), else the one in the current folder.
 */
export function mappingFile(c: Ctx): string {
  const active = c.settings.active_mapping_file;
  if (!active) return mappingPath(c.cwd);
  if (!existsSync(active)) {
    throw new ClientError(`the active mapping ${active} does not exist: run "anon map activate" in a folder with a mapping, or "anon map init"`);
  }
  return active;
}

/** Opens file in $VISUAL / $EDITOR (vi, notepad on Windows) and waits for it. */
export function openEditor(file: string): void {
  const editor = process.env.VISUAL || process.env.EDITOR || (process.platform === 'win32' ? 'notepad' : 'vi');
  const quoted = process.platform === 'win32' ? `"${file}"` : `'${file.replace(/'/g, "'\\''")}'`;
  const r = spawnSync(`${editor} ${quoted}`, { stdio: 'inherit', shell: true });
  if (r.error || r.status !== 0) throw new ClientError(`editor ${editor} failed${r.error ? `: ${r.error.message}` : ` (exit ${r.status})`}`);
}

/** Asks the questions one by one on stdin (one line each); EOF answers "" to the rest. */
export async function ask(questions: string[]): Promise<string[]> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines: string[] = [];
  const waiting: ((l: string | undefined) => void)[] = [];
  let closed = false;
  rl.on('line', (l) => (waiting.length ? waiting.shift()!(l) : lines.push(l)));
  rl.on('close', () => {
    closed = true;
    while (waiting.length) waiting.shift()!(undefined);
  });
  const answers: string[] = [];
  for (const q of questions) {
    process.stderr.write(q);
    const a = lines.length ? lines.shift() : closed ? undefined : await new Promise<string | undefined>((res) => waiting.push(res));
    answers.push(a ?? '');
  }
  rl.close();
  return answers;
}

/** y/N on stdin unless --yes; EOF counts as no. */
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  process.stderr.write(`${question} [y/N]: `);
  const answer = await new Promise<string>((resolve) => {
    let done = false;
    rl.once('line', (l) => {
      done = true;
      resolve(l);
    });
    rl.once('close', () => {
      if (!done) resolve('');
    });
  });
  rl.close();
  const ok = /^y(es)?$/i.test(answer.trim());
  if (!ok) console.log('Cancelled');
  return ok;
}

export const yesOption = { alias: 'y', type: 'boolean', describe: 'do not ask for confirmation' } as const;

/** A text table: header row, then rows, columns padded. */
export function table(head: string[], rows: unknown[][]): string {
  const cells = [head, ...rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v))))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(w[i]))).join('  ')).join('\n');
}

export function jobTable(jobs: Job[], extra: { head: string; get: (j: Job) => unknown }[] = []): string {
  const sorted = [...jobs].sort((a, b) => Number(a.job_id) - Number(b.job_id));
  return table(
    ['job_id', 'date', 'status', 'downloaded', 'processed', 'user', ...extra.map((e) => e.head)],
    sorted.map((j) => [j.job_id, j.date, j.status, j.files_downloaded, j.files_processed, j.user_name, ...extra.map((e) => e.get(j))]),
  );
}

/** The fields `anon job info` prints, in anonapi's order. */
export const JOB_INFO_FIELDS = [
  'job_id',
  'date',
  'user_name',
  'status',
  'error',
  'description',
  'project_name',
  'priority',
  'files_downloaded',
  'files_processed',
  'destination_path',
  'source_type',
  'source_anonymizedpatientid',
  'source_anonymizedpatientname',
  'source_name',
  'source_path',
  'source_pims_keyfile_id',
  'source_instance_id',
];

export function jobInfo(j: Job): string {
  const w = Math.max(...JOB_INFO_FIELDS.map((f) => f.length));
  return JOB_INFO_FIELDS.map((f) => `${f.padEnd(w)}  ${j[f] ?? ''}`).join('\n');
}
