// Where a run's memory goes, thread by thread: V8's heap spaces, external and array buffers, and
// at each new peak of the process's RSS a summary of /proc/self/smaps (V8 pages and other anonymous
// mappings, malloc arenas, the node binary). Preloaded into the main thread:
//
//   MEMPROBE_OUT=/tmp/probe.ndjson node --import ./dist/bench/mem-probe.js bin/anon run IN --out OUT --report-dir REP
//
// one NDJSON line a second (MEMPROBE_MS), with the journal's size as the progress. Pool workers
// wait in Atomics.wait between tasks, so no timer of theirs runs: to sample them, import this
// module at the top of a copy of dist/src/pool/worker.js and call `globalThis.__memTick?.()` at
// the start of its task function (a line every MEMPROBE_TASKS tasks). Measurement only.
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';

const out = process.env.MEMPROBE_OUT;
const MiB = (x: number): number => Math.round((x / 1048576) * 10) / 10;
const t0 = Date.now();
const reportDir = process.argv[process.argv.indexOf('--report-dir') + 1];
let peak = 0;

/** RSS of the mappings by kind, MiB. */
export function smapsSummary(text: string): Record<string, number> {
  const kinds: Record<string, number> = {};
  let kind = '';
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const [lo, hi] = [parseInt(m[1], 16), parseInt(m[2], 16)];
      const name = m[4].trim();
      if (name === '[heap]') kind = 'malloc main arena';
      else if (name.startsWith('/')) kind = 'file-backed';
      else if (name) kind = name;
      else if (lo % 2 ** 26 === 0 && hi - lo <= 2 ** 26) kind = 'malloc thread arenas';
      else kind = 'anonymous (V8 pages, stacks, other)';
    } else if (line.startsWith('Rss:')) kinds[kind] = (kinds[kind] ?? 0) + Number(line.split(/\s+/)[1]) / 1024;
  }
  for (const k of Object.keys(kinds)) kinds[k] = Math.round(kinds[k] * 10) / 10;
  return kinds;
}

function sample(tag: string): void {
  const mu = process.memoryUsage();
  const s: Record<string, unknown> = { tag, thread: threadId, t: (Date.now() - t0) / 1000 };
  Object.assign(s, { rss: MiB(mu.rss), heapTotal: MiB(mu.heapTotal), heapUsed: MiB(mu.heapUsed), external: MiB(mu.external), arrayBuffers: MiB(mu.arrayBuffers) });
  // [used, committed] per space
  for (const sp of getHeapSpaceStatistics()) s[sp.space_name] = [MiB(sp.space_used_size), MiB(sp.space_size)];
  s.v8_malloced = MiB(getHeapStatistics().malloced_memory);
  if (isMainThread) {
    try {
      s.journal_bytes = statSync(`${reportDir}/journal.ndjson`).size;
    } catch {
      /* not yet */
    }
    if (mu.rss > peak) {
      peak = mu.rss;
      s.smaps = smapsSummary(readFileSync('/proc/self/smaps', 'utf8'));
    }
  }
  appendFileSync(out!, JSON.stringify(s) + '\n');
}

if (out) {
  if (isMainThread) {
    setInterval(() => sample('tick'), Number(process.env.MEMPROBE_MS ?? 1000)).unref();
    process.on('exit', () => writeFileSync(`${out}.done`, ''));
  } else {
    let n = 0;
    const every = Number(process.env.MEMPROBE_TASKS ?? 500);
    (globalThis as { __memTick?: () => void }).__memTick = () => {
      if (++n % every === 0) sample(`task ${n}`);
    };
  }
}
