// The language-model call, in its own thread: detection is synchronous (the engine is), so the
// caller blocks on this worker through synckit while it awaits the HTTP answer.
import { runAsWorker } from 'synckit';
import type { LlmSettings } from './types.js';

const PROMPT =
  'You find personal identifiers in short texts from medical image headers. Answer only with JSON: ' +
  '{"entities":[{"text":"<exact substring>","label":"<LABEL>"}]}, labels among PERSON, DATE, AGE, PHONE, EMAIL, URL, ' +
  'ADDRESS, POSTCODE, ID, NATIONAL_ID, ORGANIZATION. Clinical terms, body parts, procedures and device names are not identifiers.';

export interface LlmAnswer {
  entities: { text: string; label: string }[];
}

runAsWorker(async (text: string, llm: LlmSettings): Promise<LlmAnswer> => {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = llm.apiKeyEnv ? process.env[llm.apiKeyEnv] : undefined;
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${llm.url.replace(/\/+$/, '')}/chat/completions`, {
    method: 'POST',
    headers,
    signal: AbortSignal.timeout(llm.timeoutMs ?? 30_000),
    body: JSON.stringify({
      model: llm.model,
      temperature: 0,
      messages: [
        { role: 'system', content: PROMPT },
        { role: 'user', content: text },
      ],
    }),
  });
  if (!res.ok) throw new Error(`language model at ${llm.url} answered HTTP ${res.status}`);
  const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
  const content = body.choices?.[0]?.message?.content ?? '';
  // models wrap JSON in prose or code fences: take the outermost object
  const json = content.slice(content.indexOf('{'), content.lastIndexOf('}') + 1);
  const parsed = JSON.parse(json || '{}') as Partial<LlmAnswer>;
  return { entities: Array.isArray(parsed.entities) ? parsed.entities.filter((e) => typeof e?.text === 'string' && typeof e?.label === 'string') : [] };
});
