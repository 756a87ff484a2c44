// anon verify: an independent check of a de-identification run. It re-reads inputs and outputs
// and checks the outcomes against what the profile promises, read by its own simple rules
// (rules.ts), never by the de-identifier's code (src/deid/ is not imported anywhere here).
// This file pairs the files and runs the checks (checks/, one module each) over them.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closeDicom, openDicom } from '../dicom/file.js';
import type { DicomFile } from '../dicom/part10.js';
import { isPrivateCreator } from '../dicom/tag.js';
import { loadProfile, type OptionName } from '../profile/load.js';
import type { Check, PairCheck, RunContext } from './check.js';
import { CHECKS } from './checks/index.js';
import { Collector } from './collector.js';
import { pairContext } from './context.js';
import { dciodvfyAvailable } from './dciodvfy.js';
import { pairsInTree } from './journal-pairs.js';
import { pairByContent, pairsFromJournal, type Pair } from './pair.js';
import { VerifyRules } from './rules.js';
import { strings, walkFile } from './scan.js';
import type { VerifyOptions, VerifyResult } from './types.js';

/** Verifies pairs of (input, output) files. */
export async function verifyPairs(
  pairs: Pair[],
  opts: VerifyOptions & {
    pairing: 'journal' | 'content';
    outputRoot?: string;
    unpaired?: { inputs: string[]; outputs: string[]; ambiguous: Pair[] };
    missing?: Pair[];
    extra?: string[];
  },
): Promise<VerifyResult> {
  const started = Date.now();
  const profile = loadProfile(opts.profile ?? 'basic', { extraOptions: (opts.options ?? []) as OptionName[] });
  const run: RunContext = {
    rules: new VerifyRules(profile),
    profile,
    useDciodvfy: opts.dciodvfy === true || ((opts.dciodvfy ?? 'auto') === 'auto' && dciodvfyAvailable()),
    outputRoot: opts.outputRoot && resolve(opts.outputRoot),
  };
  const checks = Object.values(CHECKS).map((start) => start(run));
  const c = new Collector(opts.maxFindings ?? 10_000);
  for (const f of opts.unpaired?.inputs ?? []) c.add({ code: 'UNPAIRED', input: f, message: 'no output was found for this DICOM input' });
  for (const f of opts.unpaired?.outputs ?? []) c.add({ code: 'UNPAIRED', output: f, message: 'no input was found for this output' });
  for (const p of opts.missing ?? [])
    c.add({ code: 'UNPAIRED', input: p.input, output: p.output, message: 'the journal records this output, and the output tree does not hold it', severity: 'error' });
  for (const f of opts.extra ?? []) c.add({ code: 'UNPAIRED', output: f, message: 'this file of the output tree was not written by the run', severity: 'error' });
  for (const p of opts.unpaired?.ambiguous ?? []) {
    c.add({
      code: 'UNPAIRED',
      input: p.input,
      output: p.output,
      message: 'paired among several files with the same content key: UID checks rest on path order',
      severity: 'warning',
    });
  }
  const ambiguous = new Set((opts.unpaired?.ambiguous ?? []).map((p) => `${p.input}\0${p.output}`));
  for (const pair of pairs) await verifyPair(pair, run, checks, c, !ambiguous.has(`${pair.input}\0${pair.output}`));
  for (const check of checks) if (check.end) c.addAll(check.end());
  // Residual identifiers of error severity (a warning one is text a cleaned attribute already held).
  const residual = c.errorCounts.RESIDUAL_IDENTIFIER ?? 0;
  return {
    ok: c.errors === 0,
    profile: profile.name,
    options: profile.options,
    pairing: opts.pairing,
    pairs: pairs.length,
    unpaired_inputs: opts.unpaired?.inputs.length ?? 0,
    unpaired_outputs: opts.unpaired?.outputs.length ?? 0,
    dciodvfy: run.useDciodvfy,
    summary: { errors: c.errors, warnings: c.warnings, residual_identifiers: residual, by_code: c.counts },
    findings: c.findings,
    ...(c.findings.length < c.errors + c.warnings ? { findings_truncated_at: c.findings.length } : {}),
    duration_seconds: Math.round((Date.now() - started) / 10) / 100,
  };
}

async function verifyPair(pair: Pair, run: RunContext, checks: Check[], c: Collector, sure: boolean): Promise<void> {
  let fin: DicomFile | undefined;
  let fout: DicomFile | undefined;
  try {
    try {
      fin = await openDicom(pair.input);
    } catch (e) {
      c.add({ code: 'UNPAIRED', input: pair.input, output: pair.output, message: `the input cannot be read any more: ${(e as Error).message}`, severity: 'warning' });
      return;
    }
    try {
      fout = await openDicom(pair.output);
    } catch (e) {
      c.add({ code: 'INVALID', input: pair.input, output: pair.output, message: `the output does not parse: ${(e as Error).message}` });
      return;
    }
    const p = pairContext(pair, fin, fout, run.rules, sure);
    const open = checks.map((check) => check.pair?.(p)).filter((x): x is PairCheck => x !== undefined);
    // One walk of the output for every check, so that findings come element by element.
    for (const v of walkFile(fout)) {
      const values = strings(v.el, v.ctx);
      p.outElements.set(v.path, { vr: v.el.vr, values });
      if (isPrivateCreator(v.el.tag)) continue;
      const visit = { ...v, values };
      for (const o of open) if (o.element) c.addAll(o.element(visit));
    }
    for (const o of open) if (o.done) c.addAll(await o.done());
  } finally {
    if (fin) closeDicom(fin);
    if (fout) closeDicom(fout);
  }
}

/** Reads the profile and options a run recorded in its report (report.json), if any. */
function runSettings(reportDir: string): { profile?: string; options?: string[]; out?: string } {
  const p = join(reportDir, 'report.json');
  if (!existsSync(p)) return {};
  try {
    const r = JSON.parse(readFileSync(p, 'utf8')) as { profile?: string; options?: { deidentification_options?: string[]; out?: string } };
    return { profile: r.profile, options: r.options?.deidentification_options, out: r.options?.out };
  } catch {
    return {};
  }
}

const isBuiltin = (name: string): boolean => !/[/\\]|\.json$/i.test(name);

/**
 * Verifies the run recorded in a report folder (journal.ndjson, report.json): its pairs come from
 * the journal; profile and options from `opts`, else from the report (a built-in profile name).
 * For `anon run --verify`.
 */
export async function verifyReportDir(reportDir: string, opts: VerifyOptions & { output?: string } = {}): Promise<VerifyResult> {
  const settings = runSettings(reportDir);
  const profile = opts.profile ?? (settings.profile && isBuiltin(settings.profile) ? settings.profile : 'basic');
  const journal = join(reportDir, 'journal.ndjson');
  const base = { ...opts, profile, options: opts.options ?? settings.options ?? [], pairing: 'journal' as const };
  if (!opts.output) return verifyPairs(pairsFromJournal(journal), { ...base, outputRoot: settings.out });
  // An output tree given: its files are what is checked, not the paths the journal stored.
  const t = pairsInTree(journal, settings.out, opts.output);
  return verifyPairs(t.pairs, { ...base, outputRoot: opts.output, unpaired: { inputs: [], outputs: [], ambiguous: [] }, missing: t.missing, extra: t.extra });
}

export interface VerifyRunArgs extends VerifyOptions {
  /** Input tree (or file); with `journal`, optional. */
  input?: string;
  /** Output tree (or file); with `journal`, optional. */
  output?: string;
  /** A run's report folder (holding journal.ndjson), or the journal file itself. */
  journal?: string;
}

/** Verifies a run: paired through its journal when given, else by content between two trees. */
export async function verifyRun(args: VerifyRunArgs): Promise<VerifyResult> {
  if (args.journal) {
    const j = resolve(args.journal);
    const dir = statSync(j).isDirectory() ? j : resolve(j, '..');
    return verifyReportDir(dir, { ...args, output: args.output });
  }
  if (!args.input || !args.output) throw new TypeError('verifyRun: give an input and an output, or a journal');
  const settings = { profile: args.profile ?? 'basic', options: args.options ?? [] };
  const rules = new VerifyRules(loadProfile(settings.profile, { extraOptions: settings.options as OptionName[] }));
  const p = await pairByContent(resolve(args.input), resolve(args.output), rules);
  return verifyPairs(p.pairs, {
    ...args,
    ...settings,
    pairing: 'content',
    outputRoot: args.output,
    unpaired: { inputs: p.unpairedInputs, outputs: p.unpairedOutputs, ambiguous: p.ambiguous },
  });
}
