// The run journal's periodic sync runs on libuv's pool, the thread going on with its files; a
// journal closed while such a sync is queued keeps its descriptor until the sync has ended.
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { Journal, type JournalEntry } from '../src/job/journal.js';
import { tempDir } from './helpers/tmp.js';

/** Descriptors of this process open on `path`, a resolved path (Linux's /proc names the real one). */
function openOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(join('/proc/self/fd', fd)) === path) n++;
    } catch {
      /* closed while listed (the listing's own descriptor) */
    }
  }
  return n;
}

/** A journal's path in a fresh scratch folder, resolved (TMPDIR may be a symlink). */
const journalPath = (t: Test): string => join(realpathSync(tempDir(t, 'journal-sync')), 'journal.ndjson');

const entry = (i: number): JournalEntry => ({ input: `/in/${i}.dcm`, status: 'written', output: `/out/${i}.dcm`, size: i, entities: {} });

t.test('journal closed while its periodic sync is queued → descriptor kept until the sync ends, then closed; every entry readable', async (t) => {
  const path = journalPath(t);
  const j = new Journal(path, false);
  for (let i = 0; i < 300; i++) j.append(entry(i)); // past the sync interval: a sync is queued
  j.close();
  // its callback cannot have run: nothing has yielded to the event loop since
  t.equal(openOn(path), 1, 'still open for the queued sync');
  for (let waited = 0; openOn(path) > 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  t.equal(openOn(path), 0, 'closed once the sync ended');
  const read = [...Journal.read(path)];
  t.equal(read.length, 300);
  t.same(read[299], entry(299));
});

t.test('journal of fewer entries than the sync interval → closed at once, entries readable', async (t) => {
  const path = journalPath(t);
  const j = new Journal(path, false);
  for (let i = 0; i < 3; i++) j.append(entry(i));
  j.close();
  t.equal(openOn(path), 0);
  t.equal([...Journal.read(path)].length, 3);
});
