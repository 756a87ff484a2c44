import { createRequire } from 'node:module';

type Iconv = typeof import('iconv-lite');
let lib: Iconv | undefined;

/**
 * iconv-lite, loaded on first use: its codec tables cost every thread ~20 ms at start, and most
 * files are ASCII, UTF-8 or Latin-1, which need none of them.
 */
export function iconv(): Iconv {
  return (lib ??= createRequire(import.meta.url)('iconv-lite') as Iconv);
}
