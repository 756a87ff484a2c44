/** How a dataset's bytes are laid out. The file meta group is always explicit VR little endian. */
export interface Encoding {
  explicit: boolean;
  little: boolean;
}
export const IMPLICIT_LE: Encoding = Object.freeze({ explicit: false, little: true });
export const EXPLICIT_LE: Encoding = Object.freeze({ explicit: true, little: true });
export const EXPLICIT_BE: Encoding = Object.freeze({ explicit: true, little: false });
/** No transfer syntax has it, but ACR-NEMA files and faulty writers do. */
export const IMPLICIT_BE: Encoding = Object.freeze({ explicit: false, little: false });

/** Which pixel codec handles an encapsulated transfer syntax (src/pixel dispatches on it). */
export type PixelCodec = 'rle' | 'jpeg' | 'jpeg-lossless' | 'jpeg-ls' | 'j2k' | 'htj2k';

/** Whether the compression can discard information: 'may' where the encoder chooses (NEAR, rate). */
export type Lossiness = 'never' | 'may' | 'always';

export interface TransferSyntax {
  uid: string;
  name: string;
  encoding: Encoding;
  /** The dataset after the file meta is a raw deflate stream (RFC 1951). */
  deflated: boolean;
  /** Pixel data is encapsulated (fragments in items). */
  encapsulated: boolean;
  lossy: Lossiness;
  /** The codec anonflow masks and re-encodes it with; undefined when it has none. */
  codec?: PixelCodec;
  /** Lossy Image Compression Method (0028,2114) defined term, PS3.3 C.7.6.1.1.5.1. */
  lossyMethod?: string;
}

interface Facts {
  native?: boolean;
  deflated?: boolean;
  lossy?: Lossiness;
  codec?: PixelCodec;
  lossyMethod?: string;
}

const ts = (uid: string, name: string, encoding: Encoding, f: Facts = {}): TransferSyntax =>
  Object.freeze({
    uid,
    name,
    encoding,
    deflated: f.deflated ?? false,
    encapsulated: !f.native,
    lossy: f.lossy ?? 'never',
    ...(f.codec && { codec: f.codec }),
    ...(f.lossyMethod && { lossyMethod: f.lossyMethod }),
  });

const NATIVE: Facts = { native: true };
// Retired JPEG processes (PS3.5 A.4.1): the DCT ones are lossy, 58/65/66 are lossless.
const JPEG_RETIRED_LOSSY = new Set([52, 53, 54, 55, 56, 59, 60, 61, 62, 63, 64]);

/** PS3.6 Table A-1 transfer syntaxes (2026c), including retired ones still met in archives. */
const TABLE: TransferSyntax[] = [
  ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', IMPLICIT_LE, NATIVE),
  ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', EXPLICIT_LE, NATIVE),
  ts('1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', EXPLICIT_LE, { native: true, deflated: true }),
  ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', EXPLICIT_BE, NATIVE),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', EXPLICIT_LE, { lossy: 'always', codec: 'jpeg', lossyMethod: 'ISO_10918_1' }),
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', EXPLICIT_LE, { lossy: 'always', codec: 'jpeg', lossyMethod: 'ISO_10918_1' }),
  ...[52, 53, 54, 55, 56, 58, 59, 60, 61, 62, 63, 64, 65, 66].map((n) =>
    ts(`1.2.840.10008.1.2.4.${n}`, `JPEG (retired process, .${n})`, EXPLICIT_LE, { lossy: JPEG_RETIRED_LOSSY.has(n) ? 'always' : 'never' }),
  ),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', EXPLICIT_LE, { codec: 'jpeg-lossless' }),
  ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, First-Order Prediction (Process 14 SV1)', EXPLICIT_LE, { codec: 'jpeg-lossless' }),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', EXPLICIT_LE, { codec: 'jpeg-ls' }),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', EXPLICIT_LE, { lossy: 'may', codec: 'jpeg-ls', lossyMethod: 'ISO_14495_1' }),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', EXPLICIT_LE, { codec: 'j2k' }),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000', EXPLICIT_LE, { lossy: 'may', codec: 'j2k', lossyMethod: 'ISO_15444_1' }),
  ts('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component (Lossless Only)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component', EXPLICIT_LE, { lossy: 'may' }),
  ts('1.2.840.10008.1.2.4.94', 'JPIP Referenced', EXPLICIT_LE, { native: true, lossy: 'may' }),
  ts('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', EXPLICIT_LE, { native: true, deflated: true, lossy: 'may' }),
  ...mpegSyntaxes(),
  ts('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', EXPLICIT_LE, { lossy: 'always' }),
  ts('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', EXPLICIT_LE, { lossy: 'always' }),
  ts('1.2.840.10008.1.2.4.110', 'JPEG XL Lossless', EXPLICIT_LE),
  // Lossless recompression of a JPEG codestream: the pixels were lossy before.
  ts('1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression', EXPLICIT_LE, { lossy: 'always' }),
  ts('1.2.840.10008.1.2.4.112', 'JPEG XL', EXPLICIT_LE, { lossy: 'may' }),
  ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', EXPLICIT_LE, { codec: 'htj2k' }),
  ts('1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', EXPLICIT_LE, { codec: 'htj2k' }),
  ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', EXPLICIT_LE, { lossy: 'may', codec: 'htj2k', lossyMethod: 'ISO_15444_15' }),
  ts('1.2.840.10008.1.2.4.204', 'JPIP HTJ2K Referenced', EXPLICIT_LE, { native: true, lossy: 'may' }),
  ts('1.2.840.10008.1.2.4.205', 'JPIP HTJ2K Referenced Deflate', EXPLICIT_LE, { native: true, deflated: true, lossy: 'may' }),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', EXPLICIT_LE, { codec: 'rle' }),
  ts('1.2.840.10008.1.2.6.1', 'RFC 2557 MIME encapsulation', EXPLICIT_LE, NATIVE),
  ts('1.2.840.10008.1.2.6.2', 'XML Encoding', EXPLICIT_LE, NATIVE),
  ts('1.2.840.10008.1.2.7.1', 'SMPTE ST 2110-20 Uncompressed Progressive Active Video', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.7.2', 'SMPTE ST 2110-20 Uncompressed Interlaced Active Video', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.7.3', 'SMPTE ST 2110-30 PCM Digital Audio', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.8.1', 'Deflated Image Frame Compression', EXPLICIT_LE),
];

/** MPEG-2 and H.264 video transfer syntaxes, each with its fragmentable (.1) variant. */
function mpegSyntaxes(): TransferSyntax[] {
  const names: [number, string][] = [
    [100, 'MPEG2 Main Profile / Main Level'],
    [101, 'MPEG2 Main Profile / High Level'],
    [102, 'MPEG-4 AVC/H.264 High Profile / Level 4.1'],
    [103, 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1'],
    [104, 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video'],
    [105, 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video'],
    [106, 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2'],
  ];
  return names.flatMap(([n, name]) => [
    ts(`1.2.840.10008.1.2.4.${n}`, name, EXPLICIT_LE, { lossy: 'always' }),
    ts(`1.2.840.10008.1.2.4.${n}.1`, `Fragmentable ${name}`, EXPLICIT_LE, { lossy: 'always' }),
  ]);
}
const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/**
 * The transfer syntax for a UID. Unknown UIDs (private or newer than this table) are assumed
 * to be explicit VR little endian with encapsulated pixel data, as PS3.5 10 requires of any
 * transfer syntax other than the three native ones; the reader still verifies by inspection.
 */
export function transferSyntax(uid: string): TransferSyntax {
  return BY_UID.get(uid) ?? ts(uid, `Unknown (${uid})`, EXPLICIT_LE, { lossy: 'may' });
}
export const isKnownTransferSyntax = (uid: string): boolean => BY_UID.has(uid);
export const ALL_TRANSFER_SYNTAXES: readonly TransferSyntax[] = TABLE;

/** UIDs named in code (the rest are reached through the table). */
export const TS_UID = Object.freeze({
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  RLELossless: '1.2.840.10008.1.2.5',
  HTJ2KLosslessRPCL: '1.2.840.10008.1.2.4.202',
});

/** The native transfer syntax of a dataset encoding; implicit big endian (no such syntax) counts as implicit little. */
export function nativeTransferSyntax(enc: Encoding): TransferSyntax {
  if (!enc.explicit) return transferSyntax(TS_UID.ImplicitVRLittleEndian);
  return transferSyntax(enc.little ? TS_UID.ExplicitVRLittleEndian : TS_UID.ExplicitVRBigEndian);
}
