import type { MappingData } from '../pseudo/mapping.js';
import type { Layout } from '../run/layout.js';
import type { FileOutcome } from '../run/run.js';

/** What a worker needs to set itself up: plain data, compiled once per worker. */
export interface WorkerConfig {
  profile: string;
  options: string[];
  /** The project secret's bytes (loaded once by the main thread, so every worker keys alike). */
  key?: Uint8Array;
  pseudonyms?: string;
  record: boolean;
  out: string;
  layout: Layout;
  /** Where temporary files are written before their rename. */
  tmpDir?: string;
  /** Rectangles masked in every image (--mask x,y,w,h). */
  masks?: { x: number; y: number; width: number; height: number }[];
  /** Folder for review PNGs of masked and quarantined images. */
  previews?: string;
  /** fsync each output before its rename (anon watch --fsync); passed to writeDicomFile. */
  fsync?: boolean;
}

/** One file to process: the main thread sends paths, never buffers. */
export interface FileTask {
  path: string;
  rel: string;
}

export interface FileResult {
  outcome: FileOutcome;
  bytesIn: number;
  ms: number;
  /** Mappings recorded while processing this file (for the MIDI-B export). */
  mapping?: MappingData;
}
