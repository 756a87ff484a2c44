// Optional language-model detector behind an OpenAI-compatible URL the user configures. Off by
// default and never required; the text goes only to that URL. Its answers are exact substrings,
// turned into spans here (every occurrence).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { fromPackageRoot } from '../io/package-root.js';
import { escapeRegExp } from './fold.js';
import type { LlmAnswer } from './llm-worker.js';
import { LABELS, type Detector, type Label, type LlmSettings, type PreparedContext, type Span } from './types.js';

/** The compiled worker in dist/, also when tests run the sources or the CLI runs from its bundle. */
const workerUrl = (): URL => pathToFileURL(fromPackageRoot('dist', 'src', 'detect', 'llm-worker.js'));

let call: ((text: string, llm: LlmSettings) => LlmAnswer) | undefined;

export const llmDetector: Detector = {
  detect(text: string, ctx: PreparedContext): Span[] {
    const llm = ctx.settings.llm;
    if (!llm) throw new Error('the llm detector needs detect.llm (url and model)');
    // loaded on first use: runs without the language model never pay for synckit
    const { createSyncFn } = createRequire(import.meta.url)('synckit') as typeof import('synckit');
    call ??= createSyncFn<(text: string, llm: LlmSettings) => Promise<LlmAnswer>>(workerUrl(), { timeout: (llm.timeoutMs ?? 30_000) + 5_000 });
    const spans: Span[] = [];
    for (const e of call(text, llm).entities) {
      const label = e.label.toUpperCase() as Label;
      if (!LABELS.includes(label) || e.text.trim() === '') continue;
      for (const m of text.matchAll(new RegExp(escapeRegExp(e.text), 'g'))) spans.push({ start: m.index, end: m.index + m[0].length, label, score: 0.8, detector: 'llm' });
    }
    return spans;
  },
};
