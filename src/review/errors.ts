import { AnonError } from '../errors.js';

/** A review request that cannot be served: unknown item, bad box, bad profile name, an item already decided. */
export class ReviewError extends AnonError<'REVIEW_NOT_FOUND' | 'REVIEW_INVALID' | 'REVIEW_CONFLICT' | 'REVIEW_SOURCE'> {}

/** The HTTP status of a review error. */
export const reviewStatus = (e: ReviewError): number => (e.code === 'REVIEW_NOT_FOUND' ? 404 : e.code === 'REVIEW_CONFLICT' ? 409 : 400);
