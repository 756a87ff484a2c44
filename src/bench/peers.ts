/**
 * `anon bench --peers CORPUS`: anonflow beside `cp -r` and the peer de-identifiers (gdcmanon,
 * DCMTK's dcmodify, …) in one interleaved run. The comparison itself is bench/peers.sh, so that the
 * one command of the README and the CLI are the same code; this runs it and reads its table.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AnonError } from '../errors.js';
import { fromPackageRoot } from '../io/package-root.js';
import { childEnv } from './bench.js';

/** The script, in the clone this build belongs to (bench/peers.sh). */
export const PEERS_SCRIPT = fromPackageRoot('bench', 'peers.sh');

/** The peers comparison could not run (no script beside this build, no GNU time, a bad corpus). */
export class BenchError extends AnonError<'BENCH'> {
  constructor(message: string) {
    super('BENCH', message);
  }
}

export interface PeersOptions {
  corpus: string;
  /** Timed rounds (default 3) and untimed ones before them (default 1). */
  repeat?: number;
  warmup?: number;
  /** Peers besides anonflow (default "cp gdcmanon dcmtk"; "all": every script of the peers folder). */
  only?: string[];
  threads?: number;
  /** The peer scripts' folder (default ../shared/peers beside the clone). */
  peersDir?: string;
  /** Each progress line of the script (warm-up and round timings). */
  onProgress?: (line: string) => void;
}

export interface PeerRow {
  name: string;
  wall_s: number;
  files_per_second: number;
  mib_per_second: number;
  cpu_s: number;
  cpu_ms_per_file: number;
  peak_rss_mib: number;
  written: number;
  exit: string;
  x_anonflow: number;
  x_cp: number | null;
}

export interface PeersResult {
  /** The script's output as it printed it: corpus, commit, machine and load lines, the table, the missing peers. */
  text: string;
  rows: PeerRow[];
  /** Peers asked for and not run, with why. */
  missing: { name: string; why: string }[];
}

/** Reads the table peers.sh prints (one row per contender after its header line). */
export function parsePeersTable(text: string): Pick<PeersResult, 'rows' | 'missing'> {
  const rows: PeerRow[] = [];
  const missing: { name: string; why: string }[] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    const m = /^missing\s+([^:]+):\s*(.*)$/.exec(line);
    if (m) {
      missing.push({ name: m[1].trim(), why: m[2] });
      continue;
    }
    if (line.startsWith('contender ')) {
      inTable = true;
      continue;
    }
    const c = line.trim().split(/\s+/);
    if (!inTable || c.length !== 11) continue;
    const n = (s: string): number => Number(s);
    rows.push({
      name: c[0],
      wall_s: n(c[1]),
      files_per_second: n(c[2]),
      mib_per_second: n(c[3]),
      cpu_s: n(c[4]),
      cpu_ms_per_file: n(c[5]),
      peak_rss_mib: n(c[6]),
      written: n(c[7]),
      exit: c[8],
      x_anonflow: n(c[9]),
      x_cp: c[10] === '-' ? null : n(c[10]),
    });
  }
  return { rows, missing };
}

export function runPeers(o: PeersOptions): Promise<PeersResult> {
  if (!existsSync(PEERS_SCRIPT)) throw new BenchError(`${PEERS_SCRIPT} not found: anon bench --peers runs from a clone of anonflow, where bench/peers.sh sits beside dist/`);
  const env = childEnv();
  delete env.ANON_SECRET; // peers.sh gives anonflow its own fixed secret
  env.ONLY = o.only?.length ? o.only.join(' ') : 'cp gdcmanon dcmtk';
  env.WARMUP = String(o.warmup ?? 1);
  if (o.threads !== undefined) env.ANON_THREADS = String(o.threads);
  if (o.peersDir) env.PEERS_DIR = resolve(o.peersDir);
  const args = [PEERS_SCRIPT, resolve(o.corpus), String(o.repeat ?? 3)];
  return new Promise((done, fail) => {
    const child = spawn('bash', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      const lines = (partial + s).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        if (err.length < 16_384) err += l + '\n';
        o.onProgress?.(l);
      }
    });
    child.on('error', (e) => fail(new BenchError(`bash could not be started: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return fail(new BenchError(`bench/peers.sh exited ${code}: ${(err + partial).trim().split('\n').slice(-3).join(' / ')}`));
      done({ text: out.trimEnd(), ...parsePeersTable(out) });
    });
  });
}
