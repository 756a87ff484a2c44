/**
 * Code item attributes (Code Value, Coding Scheme Designator and Version, Code Meaning, Context
 * Identifier, Long and URN Code Values): kept in dummied and cleaned content, as codes are safe to
 * keep (PS3.15 E.1.1 Note 10) and keep items valid.
 */
export const CODE_ATTRIBUTES: ReadonlySet<number> = new Set([0x00080100, 0x00080102, 0x00080103, 0x00080104, 0x00080105, 0x00080119, 0x00080120, 0x00080121]);
