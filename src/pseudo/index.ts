/** Pseudonymisation: keyed, stateless replacement identifiers, date shifts and the mapping export. */
export * from './errors.js';
export * from './hmac.js';
export * from './secret.js';
export * from './uid.js';
export * from './ids.js';
export * from './dates.js';
export * from './pseudonym-table.js';
export * from './mapping.js';
