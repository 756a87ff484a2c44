/** What a masking operation did. */
export interface MaskResult {
  /** Frames that had anything to fill (1-based). */
  frames: number[];
  /** Pixels filled, summed over frames and rectangles. */
  pixels: number;
  /** Bytes of (decoded) pixel data processed. */
  bytes: number;
  /** How the pixel data was written back. */
  output: 'native' | 'rle' | 'reencoded-lossless' | 'reencoded-lossy' | 'converted-native' | 'decoded-only' | 'unchanged';
  transferSyntax: string;
}
