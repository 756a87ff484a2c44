// The DICOMweb client room: connections, QIDO-RS search, WADO-RS/WADO-URI retrieval into a folder,
// STOW-RS. Used by run, serve and the CLI; imports only dicom (to read fetched headers) and leaves.
export { pacsConnection, parsePacsArg, PACS_DEFAULTS, type PacsAuth, type PacsConnection, type PacsConnectionInput } from './connection.js';
export { PacsError, type PacsCode } from './errors.js';
export { echo, isUid, resolveAccession, searchStudies, studyInstances, type StudyMatch, type StudyQuery } from './qido.js';
export { fetchStudy, type FetchOptions, type FetchResult } from './fetch-study.js';
export { stowFiles, type StowOptions } from './stow.js';
export { studyRef, resolveStudyRef, type StudyRef } from './study-ref.js';
