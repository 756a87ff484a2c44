// What the A/B benches (startup, first-file, per-file-cpu) share: the median they report and the
// `--name value` options they take out of argv, leaving the two build folders; and the start of
// the per-file scripts they run in a fresh process.

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Removes `name value` from `args` and returns the value (undefined when absent). */
export function takeOption(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
}

/**
 * Script text (an ES module run with `node --input-type=module -e`, argv: BUILD CORPUS OUT): the
 * BUILD's per-file job with the basic profile as `proc`, and every file of CORPUS, sorted, as `files`.
 */
export const PROCESSOR_OVER_CORPUS = `
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
const [build, corpus, out] = process.argv.slice(1);
const { setupDeid } = await import(build + '/dist/src/job/setup.js');
const { createProcessor } = await import(build + '/dist/src/job/processor.js');
const files = [];
const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name)); };
walk(corpus);
files.sort();
const proc = createProcessor({ deid: setupDeid({ profile: ['basic'], options: [] }).spec, record: false, out, layout: 'hierarchy' });
`;
