import { ClientError } from './errors.js';

/**
 * Job ids the way anonapi's CLI takes them: "1,2,5-9" (one argument) or "3 5-7" (several), or a
 * mix; ranges are inclusive. Non-numeric ids are passed through verbatim (the server answers
 * them with a 400), as anonapi does. Order is kept, duplicates dropped.
 */
export function parseJobIds(args: (string | number)[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (id: string): void => {
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  };
  for (const arg of args) {
    for (const part of String(arg).split(/[,\s]+/)) {
      if (part === '') continue;
      const m = /^(\d+)-(\d+)$/.exec(part);
      if (m) {
        const a = Number(m[1]);
        const b = Number(m[2]);
        if (b < a) throw new ClientError(`range ${part}: the end is before the start`);
        if (b - a > 100_000) throw new ClientError(`range ${part} is too large`);
        for (let i = a; i <= b; i++) add(String(i));
      } else add(part);
    }
  }
  return out;
}
