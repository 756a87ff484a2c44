// Typed, serialisable profile errors. A profile is checked completely before any file is touched;
// every error names the profile file and the JSON path (RFC 6901 pointer) of the offending value.

import { isAbsolute, relative } from 'node:path';
import { AnonError, withoutUndefined } from '../errors.js';

export type ProfileErrorCode =
  | 'PROFILE_INVALID' // not JSON, fails profiles/schema.json, or fails a semantic check
  | 'PROFILE_NOT_FOUND' // a profile (named, given as a path, or in "extends") does not exist
  | 'PROFILE_CYCLE' // "extends" leads back to a profile already in the chain
  | 'PROFILE_CONFLICT'; // options that exclude each other are both in effect

export interface ProfileErrorData {
  code: ProfileErrorCode;
  message: string;
  /** The profile file (absolute path) the problem is in. */
  file?: string;
  /** JSON pointer into that file, e.g. "/rules/3/match/tag" ("" for the whole document). */
  jsonPath?: string;
}

/** How a file is named in messages: relative to the working directory when it lies below it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export class ProfileError extends AnonError<ProfileErrorCode> implements ProfileErrorData {
  jsonPath?: string;
  /** The problem alone, without file and path. */
  readonly detail: string;

  constructor(code: ProfileErrorCode, detail: string, where: { file?: string; jsonPath?: string } = {}) {
    const loc = [where.file !== undefined ? `${displayPath(where.file)}:` : '', where.jsonPath !== undefined ? where.jsonPath || '/' : ''].filter(Boolean).join(' ');
    super(code, loc ? `${loc} ${detail}` : detail, { file: where.file });
    this.detail = detail;
    this.jsonPath = where.jsonPath;
  }

  override toJSON(): ProfileErrorData {
    return withoutUndefined({ code: this.code, message: this.message, file: this.file, jsonPath: this.jsonPath });
  }
}
