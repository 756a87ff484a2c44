// The mutator lives in fixtures/ so that the fuzz bench (bench/fuzz-deid.ts) builds with it.
export * from '../../fixtures/mutate.js';
