// What crosses Redis between a producer (anon run, anon serve) and the workers: plain JSON, with
// no key in it. Paths are named as the producer knows them (a job's UNC path, or an absolute
// path); each worker maps them to its own mounts and refuses what lies outside its roots.
import type { FileOutcome } from '../job/outcome.js';
import type { Layout } from '../job/layout.js';
import type { ResolvedProfile } from '../profile/load.js';

/**
 * Which key a task needs, by name only. `run`: the worker's own secret (--secret-file,
 * ANON_SECRET, the per-user secret); `file`: the key file `<data_dir>/keys/<id>.key` of the
 * worker's config (anon serve's project keys, copied to each worker machine).
 */
export type KeyRef = { kind: 'run' } | { kind: 'file'; id: string };

/** The de-identification of a run as it travels: the validated profile and a key's name and check. */
export interface QueueDeid {
  profile: ResolvedProfile;
  keyRef: KeyRef;
  /** keyCheck() of the producer's key: a worker with another key under that name refuses. */
  keyCheck: string;
}

/** Everything but the files: the same for every task of a run. */
export interface QueueSpec {
  /** The run's id (its report id): workers cache one pool per run. */
  run: string;
  deid?: QueueDeid;
  record: boolean;
  noOverwrite?: boolean;
  layout: Layout;
  /** The output folder as the producer names it. */
  out: string;
  masks?: { x: number; y: number; width: number; height: number }[];
  previews?: string;
}

/** One task: a bounded batch of files of one run. */
export interface QueueTaskData {
  spec: QueueSpec;
  files: { path: string; rel: string }[];
}

/**
 * One file's result as it travels back: the outcome with the producer's path, the output relative
 * to the output folder, and the file's mappings sealed with the run's key (never in the clear).
 */
export interface WireResult {
  /** Index of the file in its task. */
  i: number;
  outcome: FileOutcome;
  /** For a written file: its output relative to the output folder. */
  outputRel?: string;
  bytesIn: number;
  ms: number;
  sealedMapping?: string;
}

/** A task's progress (updated after each file) and its return value. */
export interface TaskProgress {
  results: WireResult[];
}

/** Files per task by default: large enough to amortise a round trip, small enough that one study spreads over workers. */
export const DEFAULT_TASK_FILES = 25;
