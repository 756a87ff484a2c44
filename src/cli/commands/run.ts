import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { deidOptions, ocrOption } from './deid-options.js';
import { PseudoError } from '../../pseudo/errors.js';
import { exportMidiB, MappingRecorder } from '../../pseudo/mapping.js';
import { Progress, type ProgressMode } from '../../run/progress.js';
import { UsageError } from '../../errors.js';
import { runBatch, type RunOptions } from '../../pool/batch.js';
import { addReportField } from '../../job/report-builder.js';
import type { RunReport } from '../../job/report.js';
import { checkQueueUrl } from '../../queue/url.js';
import { QueueError } from '../../queue/errors.js';
import { removeProcessTempDirs } from '../../job/temp-dir.js';
import { setupDeid } from '../../job/setup.js';
// settings only: the detectors themselves load in the workers, and only when text is cleaned
import { DetectSettingsError, settingsFromFlags, withDetectFlags } from '../../detect/settings.js';
import type { FetchedStudies } from '../../run/pacs-run.js';
import type { StudyRef } from '../../pacs/index.js';

interface RunArgs {
  inputs?: string[];
  out?: string;
  pacs?: string;
  accession: string[];
  study: string[];
  stow?: string;
  profile: string[];
  option: string[];
  layout: string;
  threads?: number;
  'secret-file'?: string;
  pseudonyms?: string;
  ocr: boolean;
  'ocr-policy'?: string;
  'export-mapping'?: string;
  'report-dir'?: string;
  resume?: string;
  mask: string[];
  previews?: string;
  verify: boolean;
  quiet: boolean;
  json: boolean;
  detect?: string[];
  'pii-types'?: string[];
  'detect-replacement'?: string;
  'llm-url'?: string;
  'llm-model'?: string;
  queue?: string;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run [inputs..]',
  describe: 'De-identify DICOM files and folders (recursively) into an output folder',
  builder: (y) =>
    deidOptions(y)
      .positional('inputs', { type: 'string', array: true, describe: 'files or folders to read (or --pacs with --accession/--study)' })
      .option('out', { alias: 'o', type: 'string', describe: 'output folder (must not be inside an input); optional with --stow' })
      .option('pacs', { type: 'string', describe: 'DICOMweb root of a PACS to read the --accession/--study studies from (user:password@ for basic auth; ANON_PACS_TOKEN: bearer)' })
      .option('accession', { type: 'string', array: true, default: [], describe: 'an accession number to fetch from --pacs (repeatable)' })
      .option('study', { type: 'string', array: true, default: [], describe: 'a StudyInstanceUID to fetch from --pacs (repeatable)' })
      .option('stow', { type: 'string', describe: 'DICOMweb root of a PACS to store the de-identified files in (STOW-RS)' })
      .option('profile', {
        alias: 'p',
        type: 'string',
        array: true,
        default: ['basic'],
        describe: 'built-in profile name (anon profile list) or profile JSON file; repeat to compose (later ones take precedence)',
      })
      .option('layout', {
        type: 'string',
        default: 'hierarchy',
        choices: ['hierarchy', 'mirror'],
        describe: "hierarchy: patient/study/series/instance by pseudonymised names; mirror: the inputs' relative paths",
      })
      .option('export-mapping', { type: 'string', describe: 'folder for uid_mapping.csv and patid_mapping.csv (MIDI-B, mode 0600), outside --out' })
      .option('report-dir', { type: 'string', describe: 'where the run journal and JSON report go (default ./anon-runs/<run-id>/)' })
      .option('mask', { type: 'string', array: true, default: [], describe: "a rectangle x,y,w,h to blank in every image, on top of the profile's mask rules (repeatable)" })
      .option('previews', { type: 'string', describe: 'folder for review PNGs of every masked or quarantined image, and of every image --ocr read (checked/)' })
      .option('verify', {
        type: 'boolean',
        default: false,
        describe: 'check the outputs independently at the end (anon verify) and add the result to the report; exit 1 on any residual identifier',
      })
      .option('resume', { type: 'string', describe: 'continue the run whose report folder this is: inputs already done are not redone' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print nothing but errors' })
      .option('json', { type: 'boolean', default: false, describe: 'print machine-readable events (NDJSON), the last one holding the report' })
      .option('detect', {
        type: 'string',
        array: true,
        describe: 'find identifiers inside cleaned text with these detectors (header, rules, names, ner, llm; default header,rules,names) and replace only them',
      })
      .option('pii-types', {
        type: 'string',
        array: true,
        describe: 'kinds of identifier to find in text (PERSON, DATE, AGE, PHONE, EMAIL, URL, ADDRESS, POSTCODE, ID, NATIONAL_ID, ORGANIZATION; default all)',
      })
      .option('detect-replacement', { type: 'string', choices: ['label', 'surrogate', 'mask'], describe: 'what replaces an identifier found in text (default label: [PERSON])' })
      .option('llm-url', { type: 'string', describe: 'OpenAI-compatible base URL of a language model to use as one more detector (off unless given)' })
      .option('llm-model', { type: 'string', describe: 'model name for --llm-url' })
      .option('queue', {
        type: 'string',
        describe: 'Redis URL: spread the files over anon worker processes (same paths and secret on every worker) and wait for them',
      }),
  handler: async (args) => {
    const refs: StudyRef[] = [...args.study.map((uid) => ({ kind: 'study', uid }) as const), ...args.accession.map((accession) => ({ kind: 'accession', accession }) as const)];
    if (refs.length && !args.pacs) throw new UsageError('--accession and --study need --pacs URL');
    if (args.pacs && !refs.length) throw new UsageError('--pacs needs at least one --accession or --study');
    if (!args.inputs?.length && !refs.length) throw new UsageError('give files or folders to read, or --pacs URL with --accession/--study');
    if (args.inputs?.length && refs.length) throw new UsageError('read either files and folders or a PACS, not both');
    if (!args.out && !args.stow) throw new UsageError('give --out DIR, or --stow URL');
    if (!args.out && args.verify) throw new UsageError('--verify needs --out (the outputs it checks)');
    const bearer = process.env.ANON_PACS_TOKEN || undefined;
    // The DICOMweb client (and the codec it parses with) loads only with --pacs or --stow.
    const pacs = args.pacs || args.stow ? await import('../../run/pacs-run.js') : undefined;
    const source = args.pacs ? pacs?.runConnection('pacs', args.pacs, bearer) : undefined;
    const stowTo = args.stow ? pacs?.runConnection('stow', args.stow, bearer) : undefined;
    // without --out, the outputs wait in a private temp folder until they are stored
    const out = args.out ? resolve(args.out) : mkdtempSync(join(tmpdir(), 'anonflow-stow-'));
    const mappingDir = args['export-mapping'] ? resolve(args['export-mapping']) : undefined;
    if (args.threads !== undefined && (!Number.isInteger(args.threads) || args.threads < 0)) throw new UsageError('--threads takes a whole number ≥ 0');
    try {
      if (args.queue !== undefined) checkQueueUrl(args.queue);
    } catch (e) {
      throw e instanceof QueueError ? new UsageError(e.message) : e;
    }
    // Profile, secret and pseudonym table are checked here, before any file is touched.
    const setup = setupDeid({ profile: args.profile, options: args.option, secretFile: args['secret-file'], pseudonyms: args.pseudonyms, ocr: ocrOption(args) });
    let deid = setup.spec;
    try {
      const flags = settingsFromFlags({
        detect: args.detect,
        piiTypes: args['pii-types'],
        replacement: args['detect-replacement'],
        llmUrl: args['llm-url'],
        llmModel: args['llm-model'],
      });
      if (deid && flags) deid = { ...deid, profile: withDetectFlags(deid.profile, flags) };
    } catch (e) {
      throw e instanceof DetectSettingsError ? new UsageError(e.message) : e;
    }
    const mode: ProgressMode = args.json ? 'json' : args.quiet ? 'quiet' : process.stderr.isTTY ? 'tty' : 'lines';
    if (mode === 'lines' || mode === 'tty') for (const n of setup.notes) console.error(`anon: ${n}`);
    let masks: { x: number; y: number; width: number; height: number }[];
    try {
      // The pixel modules load only when a mask is asked for.
      masks = args.mask.length ? args.mask.map((await import('../../pixel/regions.js')).parseMaskArg) : [];
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const reportDir = resolve(args.resume ?? args['report-dir'] ?? join('anon-runs', new Date().toISOString().replace(/[:.]/g, '-')));
    const recorder = mappingDir ? new MappingRecorder() : undefined;
    let fetched: FetchedStudies | undefined;
    if (source && pacs) {
      fetched = await pacs.fetchStudies(source, refs, (n) => {
        if (mode === 'tty' || mode === 'lines') process.stderr.write(`\ranon: ${n} instance(s) fetched from the PACS`);
      });
      if (mode === 'tty' || mode === 'lines') process.stderr.write('\n');
    }
    const inputs = fetched?.inputs ?? args.inputs ?? [];
    const progress = new Progress(mode, inputs);
    // SIGTERM/SIGINT: no new file is started, files in flight finish, the report is written, and
    // the exit code says which signal stopped the run (128 + its number). A second one exits at once.
    const stop = new AbortController();
    let stoppedBy: NodeJS.Signals | undefined;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (stoppedBy) {
        // At once: the files in flight are rolled back (their partial temp files removed); an
        // output already renamed into place but not journaled is redone by --resume.
        try {
          removeProcessTempDirs(out);
        } catch {
          /* no temp folder yet */
        }
        process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
      }
      stoppedBy = sig;
      if (mode !== 'json' && mode !== 'quiet') console.error(`anon: ${sig}: finishing the files in flight, then writing the report (again to stop at once)`);
      stop.abort(`received ${sig}`);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
    const batch: RunOptions = {
      inputs,
      out,
      layout: args.layout as 'hierarchy' | 'mirror',
      worker: {
        deid,
        record: recorder !== undefined,
        masks,
        previews: args.previews ? resolve(args.previews) : undefined,
      },
      profileName: setup.profile.name,
      profileOptions: setup.profile.options,
      threads: args.threads,
      // this thread is one of the threads: nothing else needs it during a run
      inline: true,
      reportDir,
      resume: args.resume !== undefined,
      recorder,
      onEvent: progress.onEvent,
      signal: stop.signal,
    };
    const spread = async (url: string): Promise<RunReport> => {
      const { runQueuedBatch } = await import('../../queue/producer.js');
      // the queue unreachable at the start: said before any file is touched, like a usage error
      return runQueuedBatch({ ...batch, queue: url, keyRef: { kind: 'run' } }).catch((e: unknown) => {
        throw e instanceof QueueError ? new UsageError(e.message) : e;
      });
    };
    const report = await (args.queue ? spread(args.queue) : runBatch(batch)).finally(() => {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      fetched?.remove(); // the fetched originals never outlive the run
    });
    const counts = report.counts ?? {
      written: report.anonymized_files.length,
      skipped: report.skipped.length,
      failed: report.failures.length,
      quarantined: report.quarantined.length,
    };
    try {
      if (stowTo && pacs && !stoppedBy && counts.written) {
        const n = await pacs.stowReport(stowTo, out, reportDir);
        if (mode === 'lines' || mode === 'tty') console.error(`anon: ${n} file(s) stored by STOW-RS`);
        else if (mode === 'json') console.log(JSON.stringify({ type: 'stow', stored: n }));
      }
    } finally {
      if (!args.out) rmSync(out, { recursive: true, force: true });
    }
    if (mappingDir && recorder) {
      try {
        exportMidiB(recorder, mappingDir, { forbiddenRoots: [out, ...inputs.map((i) => resolve(i))] });
      } catch (e) {
        if (e instanceof PseudoError) throw new UsageError(e.message);
        throw e;
      }
    }
    if (args.verify) {
      const { verifyReportDir } = await import('../../verify/index.js');
      const verification = await verifyReportDir(reportDir, { profile: args.profile, options: setup.profile.options });
      report.verification = verification;
      addReportField(reportDir, 'verification', verification);
      if (mode === 'json') console.log(JSON.stringify({ type: 'verify', result: verification }));
      else if (mode !== 'quiet') {
        console.log(
          `verify: ${verification.ok ? 'OK' : 'FAILED'}: ${verification.pairs} pairs, ${verification.summary.errors} error(s) (${verification.summary.residual_identifiers} residual identifier(s)), ${verification.summary.warnings} warning(s)`,
        );
        for (const f of verification.findings.filter((x) => x.severity === 'error').slice(0, 20))
          console.log(`  ${f.code} ${f.output ?? f.input ?? ''} ${f.path ?? ''}: ${f.message}`);
      }
      if (!verification.ok) process.exitCode = 1;
    }
    if (mode === 'lines' || mode === 'tty') {
      console.log(
        `${report.status}: ${counts.written} written, ${counts.skipped} skipped, ` +
          `${counts.failed} failed, ${counts.quarantined} quarantined in ${report.duration_seconds}s; ` +
          `report: ${join(reportDir, 'report.json')}`,
      );
    }
    if (counts.failed || counts.quarantined) process.exitCode = 1;
    if (stoppedBy) process.exitCode = 128 + (stoppedBy === 'SIGINT' ? 2 : 15);
  },
};
