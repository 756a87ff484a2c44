import type { CommandModule } from 'yargs';
import { formatTable, runBench } from '../../bench/bench.js';
import { runPeers } from '../../bench/peers.js';
import { UsageError } from '../../errors.js';

interface BenchArgs {
  corpus?: string;
  generate?: number;
  peers?: string;
  only?: string[];
  'peers-dir'?: string;
  rows?: number;
  profile: string[];
  repeat: number;
  warmup: number;
  threads?: number;
  layout?: string;
  tmp?: string;
  cp: boolean;
  json: boolean;
  quiet: boolean;
}

const whole = (v: number | undefined, name: string, min: number): void => {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new UsageError(`--${name} takes a whole number ≥ ${min}`);
};

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Measure bulk-run throughput, latency, CPU and peak RSS per profile, against a plain cp -r (or, with --peers, against gdcmanon and DCMTK)',
  builder: (y) =>
    y
      .option('corpus', { type: 'string', describe: 'folder of files to run over (read only)' })
      .option('generate', { type: 'number', describe: 'instead: generate a synthetic CT/MR series of N files (with PHI) in a temp folder' })
      .option('peers', { type: 'string', describe: 'instead: anonflow (basic) beside cp -r, gdcmanon and DCMTK on this corpus (bench/peers.sh); missing peers are listed' })
      .option('only', { type: 'string', array: true, describe: 'with --peers: the peers to run (default cp gdcmanon dcmtk; all: every peer script)' })
      .option('peers-dir', { type: 'string', describe: 'with --peers: folder of the peer scripts (default ../shared/peers beside the clone)' })
      .option('rows', { type: 'number', describe: 'with --generate: CT matrix size (default 512; MR is half)' })
      .option('profile', { alias: 'p', type: 'string', array: true, default: ['identity', 'basic'], describe: 'profiles to measure (repeatable)' })
      .option('repeat', { type: 'number', default: 3, describe: 'timed rounds; medians are reported' })
      .option('warmup', { type: 'number', default: 1, describe: 'untimed rounds first (page cache, JIT)' })
      .option('threads', { alias: 'j', type: 'number', describe: 'passed to anon run --threads' })
      .option('layout', { type: 'string', choices: ['hierarchy', 'mirror'], describe: 'passed to anon run --layout (default hierarchy)' })
      .option('tmp', { type: 'string', describe: 'parent folder for temp output (default: the OS temp folder)' })
      .option('cp', { type: 'boolean', default: true, describe: 'include the cp -r baseline (--no-cp to skip)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the results as JSON' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress lines on stderr' })
      .conflicts('corpus', 'generate')
      .conflicts('peers', ['corpus', 'generate']),
  handler: async (args) => {
    if (args.peers !== undefined) return peers(args);
    if (args.corpus === undefined && args.generate === undefined) throw new UsageError('name --corpus DIR, --generate N or --peers DIR');
    whole(args.generate, 'generate', 1);
    whole(args.rows, 'rows', 4);
    if (args.rows !== undefined && args.rows % 2) throw new UsageError('--rows takes an even number');
    whole(args.repeat, 'repeat', 1);
    whole(args.warmup, 'warmup', 0);
    whole(args.threads, 'threads', 0);
    const profiles = args.profile.length ? args.profile : ['identity', 'basic'];
    const result = await runBench({
      corpus: args.corpus,
      generate: args.generate,
      rows: args.rows,
      profiles,
      repeat: args.repeat,
      warmup: args.warmup,
      threads: args.threads,
      layout: args.layout as 'hierarchy' | 'mirror' | undefined,
      tmp: args.tmp,
      noCp: !args.cp,
      onProgress: args.quiet ? undefined : (m) => console.error(`anon bench: ${m}`),
    });
    console.log(args.json ? JSON.stringify(result, null, 2) : formatTable(result));
    if (result.rows.some((r) => r.exit_codes.some((c) => c !== 0))) {
      console.error('anon bench: some runs exited non-zero (failed or quarantined files): see exit_codes in --json');
      process.exitCode = 1;
    }
  },
};

async function peers(args: BenchArgs): Promise<void> {
  if (!args.peers) throw new UsageError('--peers takes the corpus folder');
  whole(args.repeat, 'repeat', 1);
  whole(args.warmup, 'warmup', 0);
  whole(args.threads, 'threads', 0);
  const result = await runPeers({
    corpus: args.peers,
    repeat: args.repeat,
    warmup: args.warmup,
    only: args.only?.flatMap((o) => o.split(/[\s,]+/)).filter(Boolean),
    threads: args.threads,
    peersDir: args['peers-dir'],
    onProgress: args.quiet ? undefined : (l) => console.error(`anon bench: ${l}`),
  });
  console.log(args.json ? JSON.stringify({ rows: result.rows, missing: result.missing, text: result.text }, null, 2) : result.text);
  if (result.rows.some((r) => r.exit !== '0')) {
    console.error('anon bench: some contenders exited non-zero: see the exit column');
    process.exitCode = 1;
  }
}
