import * as T from '../dicom/tags.generated.js';

/**
 * Code item attributes (Code Value, Coding Scheme Designator and Version, Code Meaning, Context
 * Identifier, Long and URN Code Values): kept in dummied and cleaned content, as codes are safe to
 * keep (PS3.15 E.1.1 Note 10) and keep items valid.
 */
export const CODE_ATTRIBUTES: ReadonlySet<number> = new Set([
  T.CodeValue,
  T.CodingSchemeDesignator,
  T.CodingSchemeVersion,
  T.CodeMeaning,
  T.MappingResource,
  T.LongCodeValue,
  T.URNCodeValue,
  T.EquivalentCodeSequence,
]);
