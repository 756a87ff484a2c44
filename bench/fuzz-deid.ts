/**
 * The de-identification fuzz (issue 13): seeded mutants of corpus files (bit flips, insertions,
 * deletions, truncations, corrupted lengths, changed tags and VRs, garbage) go through the per-file
 * job, and its invariants are counted: every input accounted for once, no crash (INTERNAL), no
 * hang, and no written output holding an identifier string of its input. The identifiers are read
 * from the ORIGINAL file by the ordinary parse, so a mutant's misreading cannot hide them.
 *
 *   node dist/bench/fuzz-deid.js [--count N] [--seed S] [--corpus DIR] [--json]
 *
 * test/fuzz-deid.test.ts runs a few hundred in CI; this script runs 10,000+ (bench/README.md).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { createDeidEnv } from '../src/deid/env.js';
import type { DeidEnv } from '../src/deid/state.js';
import type { DataSet } from '../src/dicom/dataset.js';
import { parseDicom } from '../src/dicom/file.js';
import { readPrefix } from '../src/dicom/part10.js';
import { BufferSource } from '../src/dicom/source.js';
import { datasetContext, decodeStrings, fileContext, type ValueContext } from '../src/dicom/values.js';
import { isStringVR } from '../src/dicom/vr.js';
import { processFile } from '../src/job/process-file.js';
import type { Rule } from '../src/deid/types.js';
import { ALL_MUTATION_KINDS, lengthFields, mixSeed, mutate, Rng, type LengthField } from '../fixtures/mutate.js';

/** Attributes whose values identify the patient and the people around them (read from the original). */
const IDENTIFYING = new Set([
  0x00100010, 0x00100020, 0x00101000, 0x00101001, 0x00101005, 0x00101060, 0x00080090, 0x00081050, 0x00081060, 0x00081070, 0x00321032, 0x00080050, 0x00101040, 0x00102154,
  0x00080080,
]);
const PLACEHOLDER = /^(ANONYMI[SZ]ED|ANONYMOUS|REMOVED|UNKNOWN|NONE|N\/A|DE-?IDENTIFIED|[\d.\s^=-]*)$/i;

export interface Original {
  name: string;
  bytes: Buffer;
  fields: LengthField[];
  /** Identifier strings of the original, as latin1 bytes. */
  identifiers: Buffer[];
}

export interface FuzzFigures {
  seed: number;
  mutants: number;
  originals: number;
  outcomes: Record<string, number>;
  /** Inputs without exactly one outcome. */
  unaccounted: number;
  /** processFile threw, or returned INTERNAL. */
  crashes: string[];
  /** Written outputs holding an identifier string of their input. */
  leaks: string[];
  /** Failures inside the dataset whose error names no element path (parse errors should). */
  failedWithoutPath: number;
  /** Failures without a code. */
  failedWithoutCode: number;
  /** Their codes and messages (the first 50), to find where a path is missing. */
  withoutPath: string[];
  maxMs: number;
  seconds: number;
}

/**
 * Failures that are about no element: a deflated stream that does not inflate (before any element
 * is read), the DICM marker before the meta, an output refused as a whole by the leak guard.
 */
const outsideDataset = (e: { code: string; offset?: number }): boolean =>
  e.code === 'DEFLATE' || e.code === 'INFLATE_LIMIT' || e.code === 'DEID_RESIDUAL' || (e.code === 'BAD_META' && e.offset !== undefined && e.offset < 132);

/** profiles/basic.json, from bench/ (tests) or dist/bench/ (the built script). */
const BASIC_RULES = (): Rule[] => {
  const at = ['../profiles/basic.json', '../../profiles/basic.json'].map((u) => fileURLToPath(new URL(u, import.meta.url))).find((p) => existsSync(p))!;
  return (JSON.parse(readFileSync(at, 'utf8')) as { rules: Rule[] }).rules;
};

export function basicFuzzEnv(): DeidEnv {
  return createDeidEnv(
    {
      name: 'basic',
      layers: [{ profile: 'basic', rules: BASIC_RULES() }],
      options: [],
      defaults: { public: 'K', unknownPublic: 'X', private: 'X' },
      pseudonyms: { patientIdPrefix: 'ANON', dateShiftDays: { min: -3650, max: -1 } },
      marks: true,
    },
    { key: Buffer.alloc(32, 7) },
  );
}

/** Identifier strings of a parsed original at any depth, less whole values also held by attributes not identifying. */
function identifiersOf(ds: DataSet, ctx: ValueContext, ids: Set<string>, others: Set<string>): void {
  const here = datasetContext(ds, ctx);
  for (const el of ds.elements) {
    for (const it of el.items ?? []) identifiersOf(it.dataset, here, ids, others);
    if (!el.value || !isStringVR(el.vr)) continue;
    let values: string[];
    try {
      values = decodeStrings(el, here);
    } catch {
      continue;
    }
    for (const v of values) (IDENTIFYING.has(el.tag) ? ids : others).add(v.trim());
  }
}

/** An original for the fuzz, if it parses and holds an identifier worth searching for. */
export function original(name: string, bytes: Buffer): Original | undefined {
  let f;
  try {
    f = parseDicom(bytes);
  } catch {
    return undefined;
  }
  const ids = new Set<string>();
  const others = new Set<string>();
  identifiersOf(f.dataset, fileContext(f), ids, others);
  const identifiers = [...ids].filter((v) => v.length >= 4 && !PLACEHOLDER.test(v) && !others.has(v)).map((v) => Buffer.from(v, 'latin1'));
  if (identifiers.length === 0) return undefined;
  return { name, bytes, fields: lengthFields(f, bytes), identifiers };
}

/** Corpus files of up to `maxSize` bytes with identifiers, in a stable order. */
export function corpusOriginals(corpus: string, maxSize = 2 * 1024 * 1024): Original[] {
  const out: Original[] = [];
  const visit = (dir: string): void => {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      const st = statSync(p);
      if (st.isDirectory()) visit(p);
      else if (st.size <= maxSize && !/\.(md|tsv)$/.test(n) && !/DICOMDIR/.test(n)) {
        const o = original(relative(corpus, p), readFileSync(p));
        if (o) out.push(o);
      }
    }
  };
  visit(corpus);
  return out;
}

/** The bytes an output's identifiers are searched in: the file, and its inflated body if deflated. */
function searchable(out: Buffer): Buffer[] {
  try {
    const prefix = readPrefix(new BufferSource(out));
    if (prefix.deflated) return [out, inflateRawSync(out.subarray(prefix.bodyStart), { maxOutputLength: 512 * 1024 * 1024 })];
  } catch {
    /* searched as it is */
  }
  return [out];
}

/** A byte that continues a word, a number or a UID: "TOSHIBA" inside a kept "TOSHIBA_MEC" is not the value. */
const inWord = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e);

/** Whether `b` holds `id` as a whole value. */
function holds(b: Buffer, id: Buffer): boolean {
  for (let i = b.indexOf(id); i >= 0; i = b.indexOf(id, i + 1)) if (!inWord(b[i - 1]) && !inWord(b[i + id.length])) return true;
  return false;
}

export async function runDeidFuzz(opts: { originals: Original[]; count: number; seed: number; env?: DeidEnv; onProgress?: (i: number) => void }): Promise<FuzzFigures> {
  const env = opts.env ?? basicFuzzEnv();
  const dir = mkdtempSync(join(tmpdir(), 'anon-fuzz-deid-'));
  const figures: FuzzFigures = {
    seed: opts.seed,
    mutants: 0,
    originals: opts.originals.length,
    outcomes: {},
    unaccounted: 0,
    crashes: [],
    leaks: [],
    failedWithoutPath: 0,
    failedWithoutCode: 0,
    withoutPath: [],
    maxMs: 0,
    seconds: 0,
  };
  const t0 = performance.now();
  try {
    for (let i = 0; i < opts.count; i++) {
      const o = opts.originals[i % opts.originals.length];
      const m = mutate(o.bytes, new Rng(mixSeed(opts.seed, i)), o.fields, 3, ALL_MUTATION_KINDS);
      const what = `#${i} ${o.name}: ${m.description}`;
      const input = join(dir, 'in', `${i}.dcm`);
      mkdirSync(join(dir, 'in'), { recursive: true });
      writeFileSync(input, m.bytes);
      const start = performance.now();
      let outcomes = 0;
      try {
        const r = await processFile(input, `${i}.dcm`, { out: join(dir, 'out'), layout: 'mirror', env });
        outcomes++;
        const key = r.status === 'failed' ? `failed:${r.error.code}` : r.status;
        figures.outcomes[key] = (figures.outcomes[key] ?? 0) + 1;
        if (r.status === 'failed' && r.error.code === 'INTERNAL') figures.crashes.push(`${what}: ${r.error.message}`);
        if (r.status === 'failed' && !r.error.code) figures.failedWithoutCode++;
        if (r.status === 'failed' && !r.error.path && !outsideDataset(r.error)) {
          figures.failedWithoutPath++;
          if (figures.withoutPath.length < 50) figures.withoutPath.push(`${what}: ${r.error.code}: ${r.error.message}`);
        }
        if (r.status === 'written') {
          const parts = searchable(readFileSync(r.output));
          const held = o.identifiers.filter((id) => parts.some((b) => holds(b, id)));
          if (held.length) figures.leaks.push(`${what}: holds ${held.length} identifier(s) of its input`);
          rmSync(r.output, { force: true });
        }
      } catch (e) {
        figures.crashes.push(`${what}: threw ${(e as Error)?.stack ?? String(e)}`);
      }
      if (outcomes !== 1) figures.unaccounted++;
      figures.maxMs = Math.max(figures.maxMs, performance.now() - start);
      rmSync(input, { force: true });
      figures.mutants++;
      opts.onProgress?.(i);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  figures.seconds = (performance.now() - t0) / 1000;
  return figures;
}

async function main(): Promise<void> {
  const arg = (name: string, dflt: string): string => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : dflt;
  };
  const corpus = arg('corpus', fileURLToPath(new URL('../../../shared/corpus', import.meta.url)));
  const count = Number(arg('count', '10000'));
  const seed = Number(arg('seed', String(0x13f022))) >>> 0;
  const originals = corpusOriginals(corpus);
  const f = await runDeidFuzz({
    originals,
    count,
    seed,
    onProgress: (i) => {
      if (!process.argv.includes('--json') && (i + 1) % 1000 === 0) process.stderr.write(`${i + 1} mutants\n`);
    },
  });
  const written = f.outcomes.written ?? 0;
  if (process.argv.includes('--json')) console.log(JSON.stringify(f, null, 2));
  else {
    console.log(`seed ${f.seed}: ${f.mutants} mutants of ${f.originals} corpus files in ${f.seconds.toFixed(1)} s (slowest ${f.maxMs.toFixed(0)} ms)`);
    console.log(`outcomes: ${JSON.stringify(f.outcomes)}`);
    console.log(
      `written ${written}, holding an identifier of their input: ${f.leaks.length}; crashes ${f.crashes.length}; unaccounted ${f.unaccounted}; failures inside the dataset without an element path ${f.failedWithoutPath}, without a code ${f.failedWithoutCode}`,
    );
    for (const l of [...f.leaks, ...f.crashes].slice(0, 20)) console.log(`  ${l}`);
  }
  process.exitCode = f.leaks.length || f.crashes.length || f.unaccounted ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
