import type { CodecFamily, DecodedFrame } from './codecs.js';
import type { ImageInfo } from './image.js';

/** The masked, decoded frames of a compressed image, for the caller to write one way or another. */
export interface DecodedImage {
  transferSyntax: string;
  family: CodecFamily;
  info: ImageInfo;
  /** Every frame, decoded; the masked ones filled. */
  frames: DecodedFrame[];
}
