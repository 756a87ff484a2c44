// What crosses from an orchestrator (run, watch, serve) to the threads that process files: plain,
// structured-cloneable data, prepared once on the main thread, never re-read or re-validated.
import type { ResolvedProfile } from '../profile/load.js';
import type { PseudonymTableData } from '../pseudo/pseudonym-table-data.js';
import type { Layout } from './layout.js';

/** The de-identification a job applies: the validated profile and the keys, as data. */
export interface DeidSpec {
  profile: ResolvedProfile;
  /** The project secret's bytes, so every worker keys alike. */
  key: Uint8Array;
  /** The pseudonym table (anonapi mapping CSV), read and checked once by the main thread. */
  pseudonyms?: PseudonymTableData;
}

/** Everything a worker needs to process the files of one run, watch folder or server job. */
export interface JobSpec {
  /** Undefined: files are written as read (a profile that changes nothing, such as identity). */
  deid?: DeidSpec;
  /** Record UID and patient ID mappings for a MIDI-B export (sent back with each result). */
  record: boolean;
  out: string;
  /**
   * The output folder held open by the orchestrator (threads share descriptors): folders below it
   * are opened one component at a time without following symlinks (src/io/confined.ts).
   */
  outFd?: number;
  /** Never replace nor suffix an existing output: a different file under the name fails the input (anon serve). */
  noOverwrite?: boolean;
  layout: Layout;
  /** Where temporary files are written before their rename. */
  tmpDir?: string;
  /** Rectangles masked in every image (--mask x,y,w,h). */
  masks?: { x: number; y: number; width: number; height: number }[];
  /** Folder for review PNGs of masked and quarantined images. */
  previews?: string;
  /** fsync each output before its rename (anon watch --fsync). */
  fsync?: boolean;
}

/** What an orchestrator (a batch, the watch daemon) is given to set up its pool and its reports. */
export interface PoolOptions {
  out: string;
  layout: Layout;
  /** Everything a worker needs (the validated profile, the key, the pseudonym table), as data. */
  worker: Omit<JobSpec, 'out' | 'outFd' | 'layout' | 'tmpDir'>;
  /** The profile's name and options, for the report. */
  profileName: string;
  profileOptions: string[];
  /** Threads processing files; 0 processes them on the main thread only (default: the machine's cores). */
  threads?: number;
}

/** One file to process: the main thread sends paths, never buffers. */
export interface FileTask {
  path: string;
  rel: string;
}
