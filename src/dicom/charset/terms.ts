/** The defined terms and escape sequences anonflow knows (PS3.5 6.1.2.5, tables C.12-2 to C.12-5 of PS3.3). */

interface SbDesc {
  ir: number;
  name: string;
  codec: string;
  final: string;
}
// 8-bit single-byte character sets: ASCII in G0 and a 96-character set in G1.
const SB_DESCS: SbDesc[] = [
  { ir: 100, name: 'ISO 8859-1 (Latin-1)', codec: 'iso-8859-1', final: 'A' },
  { ir: 101, name: 'ISO 8859-2 (Latin-2)', codec: 'iso-8859-2', final: 'B' },
  { ir: 109, name: 'ISO 8859-3 (Latin-3)', codec: 'iso-8859-3', final: 'C' },
  { ir: 110, name: 'ISO 8859-4 (Latin-4)', codec: 'iso-8859-4', final: 'D' },
  { ir: 144, name: 'ISO 8859-5 (Cyrillic)', codec: 'iso-8859-5', final: 'L' },
  { ir: 127, name: 'ISO 8859-6 (Arabic)', codec: 'iso-8859-6', final: 'G' },
  { ir: 126, name: 'ISO 8859-7 (Greek)', codec: 'iso-8859-7', final: 'F' },
  { ir: 138, name: 'ISO 8859-8 (Hebrew)', codec: 'iso-8859-8', final: 'H' },
  { ir: 148, name: 'ISO 8859-9 (Latin-5)', codec: 'iso-8859-9', final: 'M' },
  { ir: 203, name: 'ISO 8859-15 (Latin-9)', codec: 'iso-8859-15', final: 'b' },
  { ir: 166, name: 'TIS 620-2533 (Thai)', codec: 'iso-8859-11', final: 'T' },
];
export const SB_BY_KEY = new Map<string, SbDesc>(SB_DESCS.map((d) => [`SB${d.ir}`, d]));
export const SB_BY_IR = new Map<number, SbDesc>(SB_DESCS.map((d) => [d.ir, d]));

/** Escape sequence (bytes after ESC) -> [slot, set key]. Lenient superset for reading. */
export const ESC_TABLE = new Map<string, [0 | 1, string]>([
  ['(B', [0, 'ASCII']],
  ['(J', [0, 'JIS_ROMAN']],
  ['(I', [0, 'KATAKANA']],
  [')I', [1, 'KATAKANA']],
  ['$B', [0, 'JISX0208']],
  ['$@', [0, 'JISX0208']],
  ['$(B', [0, 'JISX0208']],
  ['$(@', [0, 'JISX0208']],
  ['$(D', [0, 'JISX0212']],
  ['$)C', [1, 'KSX1001']],
  ['$(C', [0, 'KSX1001']],
  ['$)A', [1, 'GB2312']],
  ['$A', [0, 'GB2312']],
  ['$(A', [0, 'GB2312']],
  ...SB_DESCS.map((d): [string, [0 | 1, string]] => [`-${d.final}`, [1, `SB${d.ir}`]]),
]);

export type TermInfo =
  | { type: 'ascii' }
  | { type: 'sb'; ir: number } // 8-bit single-byte (ASCII + G1 high half), IR 13 included
  | { type: 'mb'; key: string; slot: 0 | 1 } // ISO 2022 multi-byte set
  | { type: 'utf8' | 'gb18030' | 'gbk' }
  | { type: 'unknown' };

export function termInfo(term: string): { info: TermInfo; iso2022: boolean } {
  if (term === '' || term === 'ISO_IR 6') return { info: { type: 'ascii' }, iso2022: false };
  if (term === 'ISO 2022 IR 6') return { info: { type: 'ascii' }, iso2022: true };
  if (term === 'ISO_IR 192') return { info: { type: 'utf8' }, iso2022: false };
  if (term === 'GB18030') return { info: { type: 'gb18030' }, iso2022: false };
  if (term === 'GBK') return { info: { type: 'gbk' }, iso2022: false };
  let m = /^ISO_IR (\d+)$/.exec(term);
  if (m) {
    const ir = Number(m[1]);
    if (ir === 13 || SB_BY_IR.has(ir)) return { info: { type: 'sb', ir }, iso2022: false };
    return { info: { type: 'unknown' }, iso2022: false };
  }
  m = /^ISO 2022 IR (\d+)$/.exec(term);
  if (m) {
    const ir = Number(m[1]);
    if (ir === 13 || SB_BY_IR.has(ir)) return { info: { type: 'sb', ir }, iso2022: true };
    if (ir === 87) return { info: { type: 'mb', key: 'JISX0208', slot: 0 }, iso2022: true };
    if (ir === 159) return { info: { type: 'mb', key: 'JISX0212', slot: 0 }, iso2022: true };
    if (ir === 149) return { info: { type: 'mb', key: 'KSX1001', slot: 1 }, iso2022: true };
    if (ir === 58) return { info: { type: 'mb', key: 'GB2312', slot: 1 }, iso2022: true };
  }
  return { info: { type: 'unknown' }, iso2022: false };
}
