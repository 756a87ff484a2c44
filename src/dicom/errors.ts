/** Typed, serialisable codec errors: they cross worker boundaries as plain data. */
import { AnonError } from '../errors.js';

export type DicomErrorCode =
  | 'NOT_DICOM' // no recognisable DICOM structure
  | 'TRUNCATED' // value or header runs past the end of the input
  | 'BAD_LENGTH' // a length that cannot be right (odd where even is required, past its container)
  | 'BAD_VR' // explicit VR bytes that are not a VR and cannot be recovered
  | 'BAD_ITEM' // sequence content that is not an item or delimiter
  | 'BAD_DELIMITER' // a delimiter where none may stand
  | 'NESTING_TOO_DEEP' // sequences nested beyond the configured limit
  | 'BAD_META' // file meta group unreadable
  | 'DEFLATE' // deflated body cannot be inflated
  | 'INFLATE_LIMIT' // deflated body inflates past the ratio or the absolute cap (a deflate bomb)
  | 'IO' // the file system failed
  | 'IO_TRANSIENT'; // the file system failed in a way that may pass (disk full, I/O error, too many open files)

export interface DicomErrorData {
  code: DicomErrorCode;
  message: string;
  /** Byte offset in the (inflated) dataset stream where the problem was found. */
  offset?: number;
  /** Element path, e.g. "(0040,0275)[0].(0008,1150)". */
  path?: string;
  file?: string;
}

export class DicomError extends AnonError<DicomErrorCode> implements DicomErrorData {
  constructor(data: DicomErrorData) {
    super(data.code, data.message, data);
  }

  static fromJSON(d: DicomErrorData): DicomError {
    return new DicomError(d);
  }
}

/** errno codes that may pass with time: anon watch keeps the original and retries them. */
const TRANSIENT_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ETIMEDOUT']);

/** The code of a file-system error: IO_TRANSIENT for those that may pass, else IO. */
export const ioCode = (errno: string | undefined): 'IO' | 'IO_TRANSIENT' => (errno !== undefined && TRANSIENT_ERRNO.has(errno) ? 'IO_TRANSIENT' : 'IO');
