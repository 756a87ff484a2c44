/** A tag is a number: (group << 16 | element) >>> 0. Keywords are for people. */
export type Tag = number;

export const tagOf = (group: number, element: number): Tag => ((group << 16) | element) >>> 0;
export const groupOf = (tag: Tag): number => tag >>> 16;
export const elementOf = (tag: Tag): number => tag & 0xffff;

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** Tags formatted already: the engine names every element it visits, the same few hundred tags in every file. */
const formatted = new Map<Tag, string>();

/** "(0010,0010)" */
export const formatTag = (tag: Tag): string => {
  let s = formatted.get(tag);
  if (s === undefined) {
    s = `(${hex4(groupOf(tag))},${hex4(elementOf(tag))})`;
    if (formatted.size >= 8192) formatted.clear(); // bounded: a cache, not a record
    formatted.set(tag, s);
  }
  return s;
};
/** "00100010", as in the DICOM JSON model. */
export const tagHex = (tag: Tag): string => tag.toString(16).toUpperCase().padStart(8, '0');

/** Accepts "(0010,0010)", "0010,0010", "00100010". */
export function parseTag(text: string): Tag | undefined {
  const m = /^\(?([0-9a-fA-F]{4}),?([0-9a-fA-F]{4})\)?$/.exec(text.trim());
  return m ? tagOf(parseInt(m[1], 16), parseInt(m[2], 16)) : undefined;
}

export const isPrivate = (tag: Tag): boolean => (groupOf(tag) & 1) === 1 && groupOf(tag) > 0x0008;
export const isPrivateCreator = (tag: Tag): boolean => isPrivate(tag) && elementOf(tag) >= 0x0010 && elementOf(tag) <= 0x00ff;
/** The creator element reserving the block of a private data element, e.g. (0029,1010) → (0029,0010). */
export const privateCreatorTagOf = (tag: Tag): Tag => tagOf(groupOf(tag), elementOf(tag) >>> 8);
export const isGroupLength = (tag: Tag): boolean => elementOf(tag) === 0;

export {
  Item as ITEM,
  ItemDelimitationItem as ITEM_DELIMITER,
  SequenceDelimitationItem as SEQUENCE_DELIMITER,
  PixelData as PIXEL_DATA,
  TransferSyntaxUID as TRANSFER_SYNTAX_UID,
  FileMetaInformationGroupLength as FILE_META_GROUP_LENGTH,
  SpecificCharacterSet as SPECIFIC_CHARACTER_SET,
} from './tags.generated.js';
