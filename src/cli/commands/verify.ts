import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { verifyRun, type VerifyResult } from '../../verify/index.js';

interface VerifyArgs {
  input?: string;
  output?: string;
  profile?: string;
  option?: string[];
  journal?: string;
  dciodvfy?: boolean;
  json: boolean;
}

function print(r: VerifyResult): void {
  for (const f of r.findings) {
    const where = [f.output ?? f.input, f.path].filter(Boolean).join(' ');
    console.log(`${f.severity === 'error' ? 'ERROR' : 'warn '} ${f.code} ${where}: ${f.message}${f.value_hint ? ` [${f.value_hint}]` : ''}`);
  }
  const codes = Object.entries(r.summary.by_code)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  console.log(
    `${r.ok ? 'VERIFIED' : 'FAILED'}: ${r.pairs} pairs (${r.pairing}), ${r.summary.errors} errors, ${r.summary.warnings} warnings` +
      `${codes ? ` (${codes})` : ''}; profile ${r.profile}${r.options.length ? ` + ${r.options.join(', ')}` : ''}` +
      `${r.dciodvfy ? '; dciodvfy' : ''}${r.findings_truncated_at !== undefined ? `; list cut at ${r.findings_truncated_at}` : ''}`,
  );
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify [input] [output]',
  describe: 'Check a de-identification run: residual identifiers, leftovers, UIDs, references, dates, pixels, marks, validity',
  builder: (y) =>
    y
      .positional('input', { type: 'string', describe: "the run's input tree (or file)" })
      .positional('output', { type: 'string', describe: "the run's output tree (or file)" })
      .option('profile', { alias: 'p', type: 'string', describe: "profile the run used (default: the run report's, else basic)" })
      .option('option', { type: 'string', array: true, describe: "a PS3.15 E.3 option the run used (repeatable; default: the run report's)" })
      .option('journal', { type: 'string', describe: "the run's report folder (journal.ndjson): pair through it instead of by content" })
      .option('dciodvfy', { type: 'boolean', describe: 'run dciodvfy on every pair (default: when installed); --no-dciodvfy to skip' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result (summary and findings) as JSON' }),
  handler: async (args) => {
    if (!args.journal && (!args.input || !args.output)) throw new UsageError("give an input and an output tree, or --journal with a run's report folder");
    for (const [what, p] of [
      ['input', args.input],
      ['output', args.output],
      ['--journal', args.journal],
    ] as const) {
      if (p !== undefined && !existsSync(p)) throw new UsageError(`${what} not found: ${p}`);
    }
    const result = await verifyRun({
      input: args.input,
      output: args.output,
      journal: args.journal,
      profile: args.profile,
      options: args.option,
      dciodvfy: args.dciodvfy ?? 'auto',
    });
    if (args.json) console.log(JSON.stringify(result, null, 2));
    else print(result);
    process.exitCode = result.ok ? 0 : 1;
  },
};
