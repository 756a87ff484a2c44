// A study from a PACS into a folder, one file per instance named by its SOP Instance UID, as the
// instances arrive. What is already there is not fetched again, so a job reset after a failure
// fetches only the rest. The whole study comes as one WADO-RS stream when nothing is there yet;
// otherwise (or with a WADO-URI connection) instance by instance.

import { createWriteStream, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { closeDicom, openDicom } from '../dicom/file.js';
import { decodeStrings, fileContext } from '../dicom/values.js';
import * as T from '../dicom/tags.generated.js';
import type { PacsConnection } from './connection.js';
import { PacsError } from './errors.js';
import { pacsRequest } from './http.js';
import { saveParts } from './multipart.js';
import { isUid, studyInstances, type InstanceRef } from './qido.js';

const ACCEPT_DICOM = 'multipart/related; type="application/dicom"; transfer-syntax=*';

export interface FetchOptions {
  signal?: AbortSignal;
  /** Called after each instance lands, with how many of the study's instances are in the folder now. */
  onInstance?: (present: number, expected: number) => void;
}

export interface FetchResult {
  expected: number;
  /** Instances fetched by this call (the rest were there already). */
  fetched: number;
  files: string[];
}

/** Instances already in the folder: `<SOP Instance UID>.dcm`; leftovers of an interrupted part go. */
function present(dir: string): Set<string> {
  const have = new Set<string>();
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.part-')) rmSync(join(dir, name), { force: true });
    else if (name.endsWith('.dcm') && isUid(name.slice(0, -4))) have.add(name.slice(0, -4));
  }
  return have;
}

/** Fetches what of the study is not in `dir` yet; bounded rounds, each fetching fewer. */
export async function fetchStudy(conn: PacsConnection, studyUid: string, dir: string, opts: FetchOptions = {}): Promise<FetchResult> {
  if (!isUid(studyUid)) throw new PacsError('PACS_CONFIG', `"${studyUid.slice(0, 80)}" is not a StudyInstanceUID`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const expected = await studyInstances(conn, studyUid, opts.signal);
  if (expected.length === 0) throw new PacsError('PACS_NOT_FOUND', `PACS ${conn.name}: no instances of study ${studyUid}`);
  const wanted = new Set(expected.map((i) => i.sop));
  const have = present(dir);
  let fetched = 0;
  const accept = async (tmp: string): Promise<void> => {
    const sop = await instanceUid(conn, tmp, studyUid);
    if (!wanted.has(sop) || have.has(sop)) {
      rmSync(tmp, { force: true }); // not listed by the search, or a duplicate: nothing to add
      return;
    }
    renameSync(tmp, join(dir, `${sop}.dcm`));
    have.add(sop);
    fetched++;
    opts.onInstance?.(countWanted(have, wanted), wanted.size);
  };
  // Each request retries on its own; a round that broke off after progress gets another round
  // for the rest, one that brought nothing ends the fetch with its error.
  for (let round = 0; round <= conn.retries + 1; round++) {
    const missing = expected.filter((i) => !have.has(i.sop));
    if (missing.length === 0) break;
    const before = fetched;
    try {
      if (have.size === 0 && round === 0 && !conn.wadoUri) await wholeStudy(conn, studyUid, dir, accept, opts.signal);
      else await oneByOne(conn, studyUid, missing, dir, accept, opts.signal);
    } catch (e) {
      if (opts.signal?.aborted || !(e instanceof PacsError) || !e.transient || fetched === before) throw e;
    }
  }
  const still = expected.filter((i) => !have.has(i.sop));
  if (still.length) {
    throw new PacsError('PACS_BAD_RESPONSE', `PACS ${conn.name}: ${still.length} of ${expected.length} instances of study ${studyUid} were listed but not sent`);
  }
  return { expected: expected.length, fetched, files: expected.map((i) => join(dir, `${i.sop}.dcm`)) };
}

const countWanted = (have: Set<string>, wanted: Set<string>): number => {
  let n = 0;
  for (const s of have) if (wanted.has(s)) n++;
  return n;
};

async function wholeStudy(conn: PacsConnection, studyUid: string, dir: string, accept: (f: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const what = `study ${studyUid}`;
  const res = await pacsRequest(conn, { path: `studies/${studyUid}`, headers: { accept: ACCEPT_DICOM }, what, signal });
  await saveParts(conn, res, dir, what, accept);
}

async function oneByOne(conn: PacsConnection, studyUid: string, missing: InstanceRef[], dir: string, accept: (f: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const limit = pLimit(conn.concurrency);
  const one = async (i: InstanceRef): Promise<void> => {
    const what = `study ${studyUid}, instance ${i.sop}`;
    if (conn.wadoUri) {
      // WADO-URI, as IDIS's server uses it: one application/dicom body per instance
      const query = { requestType: 'WADO', studyUID: studyUid, seriesUID: i.series, objectUID: i.sop, contentType: 'application/dicom' };
      const res = await pacsRequest(conn, { path: conn.wadoUri, query, headers: { accept: 'application/dicom' }, what, signal });
      const tmp = join(dir, `.part-${process.pid}-${i.sop}`);
      try {
        await pipeline(res.body, createWriteStream(tmp, { flags: 'w', mode: 0o600 }));
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e instanceof PacsError ? e : new PacsError('PACS_UNREACHABLE', `PACS ${conn.name}: the answer for ${what} broke off`, { transient: true });
      }
      await accept(tmp);
      return;
    }
    const res = await pacsRequest(conn, { path: `studies/${studyUid}/series/${i.series}/instances/${i.sop}`, headers: { accept: ACCEPT_DICOM }, what, signal });
    await saveParts(conn, res, dir, what, accept);
  };
  const results = await Promise.allSettled(missing.map((i) => limit(() => one(i))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The SOP Instance UID of a fetched file, which must belong to the study asked for. */
async function instanceUid(conn: PacsConnection, file: string, studyUid: string): Promise<string> {
  let f;
  try {
    f = await openDicom(file);
  } catch {
    rmSync(file, { force: true });
    throw new PacsError('PACS_BAD_RESPONSE', `PACS ${conn.name}: sent something that is not DICOM for study ${studyUid}`);
  }
  try {
    const read = (tag: number): string => {
      const el = f.dataset.get(tag);
      return el && el.value ? (decodeStrings(el, fileContext(f))[0] ?? '').trim() : '';
    };
    const sop = read(T.SOPInstanceUID);
    const study = read(T.StudyInstanceUID);
    if (study !== studyUid || !isUid(sop)) {
      rmSync(file, { force: true });
      throw new PacsError('PACS_BAD_RESPONSE', `PACS ${conn.name}: sent an instance of another study (or without a valid SOP Instance UID) when asked for study ${studyUid}`);
    }
    return sop;
  } finally {
    closeDicom(f);
  }
}
