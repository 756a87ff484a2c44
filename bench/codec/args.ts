/** Command line of the codec bench. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENDER_IDS } from './contenders.js';

export interface Args {
  corpus: string;
  repeat: number;
  json: boolean;
  out?: string;
  minSize: number;
  /** dcmjs files slower than this in the warm-up are reported apart and not repeated. */
  dcmjsMaxSeconds: number;
  only?: Set<string>;
}

// Compiled to dist/bench/codec/args.js, three levels below the repo; the default corpus sits beside the repo.
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function usage(msg?: string): never {
  if (msg) process.stderr.write(`codec bench: ${msg}\n`);
  process.stderr.write(
    'usage: node dist/bench/codec.js [--corpus DIR] [--repeat N] [--min-size BYTES[k|M]] [--dcmjs-max-seconds S]\n' +
      '                                [--only ID,ID] [--out TMPDIR] [--json]\n' +
      `contenders: ${CONTENDER_IDS.join(', ')}\n`,
  );
  process.exit(msg ? 2 : 0);
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?$/.exec(s.trim());
  if (!m) usage(`bad size: ${s}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { corpus: resolve(REPO_ROOT, '..', 'shared', 'corpus'), repeat: 5, json: false, minSize: 0, dcmjsMaxSeconds: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--corpus':
        args.corpus = resolve(value());
        break;
      case '--repeat': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) usage('--repeat must be a positive integer');
        args.repeat = n;
        break;
      }
      case '--json':
        args.json = true;
        break;
      case '--out':
        args.out = resolve(value());
        break;
      case '--min-size':
        args.minSize = parseSize(value());
        break;
      case '--dcmjs-max-seconds': {
        const n = Number(value());
        if (!(n > 0)) usage('--dcmjs-max-seconds must be a positive number');
        args.dcmjsMaxSeconds = n;
        break;
      }
      case '--only': {
        const ids = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        for (const id of ids) if (!CONTENDER_IDS.includes(id)) usage(`unknown contender ${id}`);
        args.only = new Set(ids);
        break;
      }
      case '--help':
      case '-h':
        usage();
      // falls through (usage exits)
      default:
        usage(`unknown argument ${a}`);
    }
  }
  return args;
}
