import { AnonError, withoutUndefined } from '../errors.js';

/** Typed, serialisable pixel errors: any of them means the image must not be written (quarantine it). */
export type PixelErrorCode =
  | 'PIXEL_UNSUPPORTED' // an encoding, layout or attribute combination this library cannot clean
  | 'PIXEL_DECODE' // compressed or RLE data that does not decode
  | 'PIXEL_ENCODE' // a codec refused to encode the cleaned frame
  | 'PIXEL_MISSING' // no Pixel Data, or attributes needed to read it are missing
  | 'PIXEL_LENGTH' // pixel data shorter than Rows × Columns × frames say
  | 'PIXEL_REGION'; // a mask region that cannot be applied (outside the image, no ultrasound regions)

export interface PixelErrorData {
  code: PixelErrorCode;
  message: string;
  /** Transfer syntax UID of the image, when known. */
  transferSyntax?: string;
  /** 1-based frame number, when the problem is in one frame. */
  frame?: number;
}

export class PixelError extends AnonError<PixelErrorCode> implements PixelErrorData {
  readonly transferSyntax?: string;
  readonly frame?: number;

  constructor(data: PixelErrorData) {
    super(data.code, data.message);
    this.transferSyntax = data.transferSyntax;
    this.frame = data.frame;
  }

  override toJSON(): PixelErrorData {
    return withoutUndefined({ code: this.code, message: this.message, transferSyntax: this.transferSyntax, frame: this.frame });
  }

  static fromJSON(d: PixelErrorData): PixelError {
    return new PixelError(d);
  }
}
