// The library entry (package.json main/exports): what a program embedding anonflow uses. The CLI
// (bin/anon) is one such program; everything else in src is internal and may move.
export { VERSION } from './version.js';

// De-identifying runs over files and folders.
export { run, type DeidentifyOptions } from './run/run.js';
export { runBatch, type RunCounts, type RunEvent, type RunOptions } from './pool/batch.js';
export { setupDeid, type DeidSetup, type DeidSetupOptions } from './job/setup.js';
export type { FileError, FileOutcome, FileResult } from './job/outcome.js';
export type { DeidSpec, FileTask, JobSpec } from './job/task.js';
export type { AnonymizedFile, Failure, RunReport, RunStatus } from './job/report.js';
export { AnonError, UsageError, type ErrorData, type ErrorPlace } from './errors.js';

// Independent checking of a run's outputs.
export { verifyPairs, verifyReportDir, verifyRun, type VerifyRunArgs } from './verify/index.js';
export type { Finding, FindingCode, Severity, VerifyOptions, VerifyResult } from './verify/index.js';

// Profiles (PS3.15 Annex E and the project's own).
export { listBuiltinProfiles, loadProfile, ProfileError, validateProfileFile } from './profile/load.js';
export type { OptionName, Profile, ProfileErrorCode, ResolvedProfile } from './profile/load.js';

// Reading and writing DICOM files.
export { closeDicom, openDicom, parseDicom, serializeDicom, writeDicom, writeDicomFile } from './dicom/file.js';
export type { OpenOptions, WriteOptions, WriteResult } from './dicom/file.js';
export type { DicomFile } from './dicom/part10.js';
export { DataSet, Element, Item } from './dicom/dataset.js';
export { DicomError, type DicomErrorCode } from './dicom/errors.js';
export { dumpJson, dumpText, type JsonDataSet } from './dicom/dump.js';
