import { AnonError } from '../errors.js';

/** The queue cannot be used: a bad Redis URL, a worker without the task's key, Redis gone too long. */
export class QueueError extends AnonError<'QUEUE_URL' | 'QUEUE_KEY' | 'QUEUE_TASK' | 'QUEUE_UNAVAILABLE'> {}
