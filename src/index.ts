// The library entry (package.json main/exports): what a program embedding anonflow uses. The CLI
// (bin/anon) is one such program; everything else in src is internal and may move.
export { VERSION } from './version.js';

// De-identifying runs over files and folders.
export { run, UsageError, type FileError, type FileOutcome, type RunCounts, type RunEvent, type RunOptions } from './run/run.js';
export type { AnonymizedFile, Failure, RunReport, RunStatus } from './run/report.js';
export type { WorkerConfig } from './pool/task.js';

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
