// The interface every check of the verifier implements. A check is started once per run (its
// run-wide state lives in the closure), opened once per pair, shown each output element in one
// shared walk (so findings of different checks come out element by element, as they are met),
// and asked at the end for what it found across pairs.

import type { DicomFile } from '../dicom/part10.js';
import type { Tag } from '../dicom/tag.js';
import type { ResolvedProfile } from '../profile/load.js';
import type { Pair } from './pair.js';
import type { Expect, TopReader, VerifyRules } from './rules.js';
import type { Visit } from './scan.js';
import type { Finding, Severity } from './types.js';

/** A finding as a check reports it: the severity defaults to the code's. */
export type Found = Omit<Finding, 'severity'> & { severity?: Severity };

/** What every check of a run shares. */
export interface RunContext {
  rules: VerifyRules;
  profile: ResolvedProfile;
  useDciodvfy: boolean;
  /** The output folder, when known: output paths are judged below it (else by their file name). */
  outputRoot?: string;
}

/** An element of the input, with what the profile promises for it. */
export interface InElement {
  path: string;
  tag: Tag;
  vr: string;
  depth: number;
  expect: Expect;
  values?: string[];
  /** Under a sequence the profile removes or replaces: what is here may go with it. */
  underRemoved: boolean;
}

/** An element of the output, met in the shared walk. */
export interface OutVisit extends Visit {
  values?: string[];
}

/** One pair of files, read once for every check. */
export interface PairContext {
  pair: Pair;
  /** `input` and `output` of the pair, spread into findings. */
  at: { input: string; output: string };
  fin: DicomFile;
  fout: DicomFile;
  /** Top-level values of the input, for the profile's `when` conditions. */
  read: TopReader;
  /** Whom the pair's dates belong to (one offset per patient). */
  patient: string;
  /** False for pairs made among look-alikes: run-wide UID checks leave them out. */
  sure: boolean;
  /** The input's elements in walk order (private creators and group lengths left out). */
  inputs: InElement[];
  /** The same by path. */
  inElements: Map<string, InElement>;
  /** The output's elements by path: filled by the walk, complete when `done` is called. */
  outElements: Map<string, { vr: string; values?: string[] }>;
}

/** What a check does with one pair. */
export interface PairCheck {
  /** An element of the output (private creators excepted), in walk order. */
  element?(v: OutVisit): Iterable<Found>;
  /** After the output walk. */
  done?(): Iterable<Found> | Promise<Iterable<Found>>;
}

export interface Check {
  /** Opens a pair; its per-pair state lives in the returned hooks. */
  pair?(p: PairContext): PairCheck;
  /** After every pair: run-wide findings. */
  end?(): Iterable<Found>;
}

/** Starts a check for a run. */
export type StartCheck = (run: RunContext) => Check;
