/** Pseudonymisation: keyed, stateless replacement identifiers, date shifts and the mapping export. */
export * from './errors.js';
export * from './hmac.js';
export * from './secret.js';
export * from './uid.js';
export * from './ids.js';
export * from './path-component.js';
export * from './dates.js';
export * from './csv.js';
export * from './mapping-sections.js';
export * from './mapping-grid.js';
export * from './pseudonym-table-data.js';
export * from './pseudonym-lookup.js';
export * from './pseudonym-table.js';
export * from './mapping.js';
