/** What the bench times: anonflow's reader/writer, dcmjs, and plain copies as the floor. */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { markModified } from '../../src/dicom/dataset.js';
import { closeDicom, openDicom, writeDicom } from '../../src/dicom/file.js';
import type { DicomFile } from '../../src/dicom/part10.js';
import type { Entry } from './corpus.js';

export interface Contender {
  id: string;
  label: string;
  /** Processes one file; `out` is a path in a fresh output folder. Returns the bytes written. */
  run(e: Entry, out: string): Promise<number> | number;
  /** Called around a whole pass (outside the timed region). */
  before?(): void;
  after?(): void;
}

/** Marks every node of the meta group and dataset modified, so the writer encodes all of it again. */
export function markAllModified(f: DicomFile): void {
  if (f.meta) markModified(f.meta);
  markModified(f.dataset);
}

interface DcmjsLike {
  data: {
    DicomMessage: { readFile(buf: ArrayBuffer, opts?: object): { write(opts?: object): ArrayBuffer } };
  };
  log?: { setLevel(level: string): void; getLoggers?(): Record<string, { setLevel(level: string): void }> };
}

/** dcmjs, loaded on first use so that runs without it (--only) don't carry it in their RSS. */
let dcmjsModule: DcmjsLike | undefined;
function loadDcmjs(): DcmjsLike {
  if (!dcmjsModule) {
    dcmjsModule = createRequire(import.meta.url)('dcmjs') as DcmjsLike;
    // Silence dcmjs's loggers (child loggers such as "validation.dcmjs" keep their own level).
    dcmjsModule.log?.setLevel('silent');
    for (const l of Object.values(dcmjsModule.log?.getLoggers?.() ?? {})) l.setLevel('silent');
  }
  return dcmjsModule;
}

const toArrayBuffer = (b: Buffer): ArrayBuffer =>
  b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);

/** Belt and braces: keep anything dcmjs prints to the console out of the bench output. */
const quiet = { log: console.log, warn: console.warn, error: console.error, info: console.info };
const silenceConsole = (): void => {
  console.log = console.warn = console.error = console.info = () => {};
};
const restoreConsole = (): void => {
  Object.assign(console, quiet);
};

export const CONTENDERS: Contender[] = [
  {
    id: 'anonflow-rw',
    label: 'anonflow read+write',
    async run(e, out) {
      const f = await openDicom(e.path);
      try {
        return await writeDicom(f, out);
      } finally {
        closeDicom(f);
      }
    },
  },
  {
    id: 'anonflow-reencode',
    label: 'anonflow read+re-encode',
    async run(e, out) {
      const f = await openDicom(e.path);
      try {
        markAllModified(f);
        return await writeDicom(f, out);
      } finally {
        closeDicom(f);
      }
    },
  },
  {
    id: 'anonflow-read',
    label: 'anonflow read only',
    async run(e) {
      closeDicom(await openDicom(e.path));
      return 0;
    },
  },
  {
    id: 'dcmjs',
    label: 'dcmjs readFile+write',
    run(e, out) {
      const dict = dcmjsModule!.data.DicomMessage.readFile(toArrayBuffer(readFileSync(e.path)));
      const ab = dict.write();
      writeFileSync(out, Buffer.from(ab));
      return ab.byteLength;
    },
    before() {
      loadDcmjs();
      silenceConsole();
    },
    after: restoreConsole,
  },
  {
    id: 'copy',
    label: 'plain copy (copyFileSync)',
    run(e, out) {
      copyFileSync(e.path, out);
      return e.size;
    },
  },
  {
    id: 'readwrite',
    label: 'plain readFile+writeFile',
    run(e, out) {
      const b = readFileSync(e.path);
      writeFileSync(out, b);
      return b.length;
    },
  },
];
export const CONTENDER_IDS = CONTENDERS.map((c) => c.id);
