import { availableParallelism } from 'node:os';
import { prestartPool } from '../pool/pool.js';

/**
 * The worker threads a plain `anon run` will open, read from its raw arguments before yargs and the
 * command load; undefined when the arguments are anything but plain (help, a queue, a PACS, no
 * workers, a threads value yargs might read otherwise). Only a guess to start the pool early:
 * openPool still takes the parsed value, and a pool of another size is ended unused.
 */
export function plainRunThreads(argv: string[]): number | undefined {
  if (argv[0] !== 'run') return undefined;
  let threads: number | undefined;
  let seen = 0;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--' || a === '-h' || a === '--help' || a === '--version') return undefined;
    if (a.startsWith('--queue') || a.startsWith('--pacs') || a.startsWith('--stow')) return undefined;
    const long = /^--threads(?:=(.*))?$/.exec(a);
    const short = /^-j(?:=?(.*))?$/.exec(a);
    // a group of short flags holding j (-qj 2): left to yargs
    if (!long && !short && /^-[^-\d]*j/.test(a)) return undefined;
    const m = long ?? short;
    if (!m) continue;
    seen++;
    const v = m[1] !== undefined && m[1] !== '' ? m[1] : argv[++i];
    threads = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
  }
  if (seen > 1 || Number.isNaN(threads)) return undefined;
  const n = threads ?? availableParallelism();
  return n > 0 ? n : undefined;
}

/** Starts the pool's workers loading the engine now, beside this thread's loading of the CLI. */
export async function prestartRun(argv: string[]): Promise<void> {
  const threads = plainRunThreads(argv);
  if (threads !== undefined) await prestartPool(threads);
}
