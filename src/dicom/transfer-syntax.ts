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

export interface TransferSyntax {
  uid: string;
  name: string;
  encoding: Encoding;
  /** The dataset after the file meta is a raw deflate stream (RFC 1951). */
  deflated: boolean;
  /** Pixel data is encapsulated (fragments in items). */
  encapsulated: boolean;
}

const ts = (uid: string, name: string, encoding: Encoding, encapsulated = true, deflated = false): TransferSyntax =>
  Object.freeze({ uid, name, encoding, deflated, encapsulated });

/** PS3.6 Table A-1 transfer syntaxes (2026c), including retired ones still met in archives. */
const TABLE: TransferSyntax[] = [
  ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', IMPLICIT_LE, false),
  ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', EXPLICIT_LE, false),
  ts('1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', EXPLICIT_LE, false, true),
  ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', EXPLICIT_BE, false),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', EXPLICIT_LE),
  ...[52, 53, 54, 55, 56, 58, 59, 60, 61, 62, 63, 64, 65, 66].map((n) =>
    ts(`1.2.840.10008.1.2.4.${n}`, `JPEG (retired process, .${n})`, EXPLICIT_LE)),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, First-Order Prediction (Process 14 SV1)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component (Lossless Only)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.94', 'JPIP Referenced', EXPLICIT_LE, false),
  ts('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', EXPLICIT_LE, false, true),
  ts('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.100.1', 'Fragmentable MPEG2 Main Profile / Main Level', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.101.1', 'Fragmentable MPEG2 Main Profile / High Level', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.102.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.103.1', 'Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.104.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.105.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.106.1', 'Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.110', 'JPEG XL Lossless', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.112', 'JPEG XL', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.4.204', 'JPIP HTJ2K Referenced', EXPLICIT_LE, false),
  ts('1.2.840.10008.1.2.4.205', 'JPIP HTJ2K Referenced Deflate', EXPLICIT_LE, false, true),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.6.1', 'RFC 2557 MIME encapsulation', EXPLICIT_LE, false),
  ts('1.2.840.10008.1.2.6.2', 'XML Encoding', EXPLICIT_LE, false),
  ts('1.2.840.10008.1.2.7.1', 'SMPTE ST 2110-20 Uncompressed Progressive Active Video', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.7.2', 'SMPTE ST 2110-20 Uncompressed Interlaced Active Video', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.7.3', 'SMPTE ST 2110-30 PCM Digital Audio', EXPLICIT_LE),
  ts('1.2.840.10008.1.2.8.1', 'Deflated Image Frame Compression', EXPLICIT_LE),
];
const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/**
 * The transfer syntax for a UID. Unknown UIDs (private or newer than this table) are assumed
 * to be explicit VR little endian with encapsulated pixel data, as PS3.5 10 requires of any
 * transfer syntax other than the three native ones; the reader still verifies by inspection.
 */
export function transferSyntax(uid: string): TransferSyntax {
  return BY_UID.get(uid) ?? Object.freeze({ uid, name: `Unknown (${uid})`, encoding: EXPLICIT_LE, deflated: false, encapsulated: true });
}
export const isKnownTransferSyntax = (uid: string): boolean => BY_UID.has(uid);
export const ALL_TRANSFER_SYNTAXES: readonly TransferSyntax[] = TABLE;
