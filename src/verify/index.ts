export { verifyPairs, verifyReportDir, verifyRun, type VerifyRunArgs } from './verify.js';
export { maskValue } from './mask-value.js';
export type { Finding, FindingCode, Severity, VerifyOptions, VerifyResult } from './types.js';
export { pairByContent, pairsFromJournal, type Pair } from './pair.js';
export { VerifyRules, type Expect, type Expectation } from './rules.js';
