/** Figures over a subset of files from the contenders' timed repeats. */
import type { Times } from './pass.js';

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface Stats {
  files: number;
  /** Input bytes. */
  bytes: number;
  /** Output bytes (first timed repeat). */
  outBytes: number;
  secMedian: number;
  secMin: number;
  filesPerSecMedian: number;
  filesPerSecBest: number;
  mibPerSecMedian: number;
  mibPerSecBest: number;
  /** Median seconds / plain copy's median seconds over the same subset. */
  xCopy?: number;
  /** Median seconds / plain readFile+writeFile's median seconds. */
  xReadWrite?: number;
  /** Median seconds / dcmjs's median seconds (below 1: faster than dcmjs). */
  xDcmjs?: number;
  /** Median over files of (this file's median time / dcmjs's median time on it): robust to outliers. */
  xDcmjsPerFile?: number;
}

export interface Runs {
  times: Times[];
  written: Float64Array;
}

export function stats(runs: Runs, subset: number[], sizes: number[]): Stats {
  const bytes = subset.reduce((s, i) => s + sizes[i], 0);
  const secs = runs.times.map((t) => subset.reduce((s, i) => s + t[i], 0));
  const secMedian = median(secs);
  const secMin = Math.min(...secs);
  const MiB = 1024 * 1024;
  return {
    files: subset.length,
    bytes,
    outBytes: subset.reduce((s, i) => s + runs.written[i], 0),
    secMedian,
    secMin,
    filesPerSecMedian: subset.length / secMedian,
    filesPerSecBest: subset.length / secMin,
    mibPerSecMedian: bytes / MiB / secMedian,
    mibPerSecBest: bytes / MiB / secMin,
  };
}

/** Per file, the median of its times across repeats. */
export const perFileMedian = (runs: Runs, i: number): number => median(runs.times.map((t) => t[i]));

/**
 * Stats of each contender (`ids`, in order; dcmjs only `withDcmjs`) over `subset`, with the ratios
 * to copy, readFile+writeFile and dcmjs where those ran.
 */
export function subsetStats(ids: string[], runs: Map<string, Runs>, subset: number[], sizes: number[], withDcmjs: boolean): Map<string, Stats> {
  const m = new Map<string, Stats>();
  for (const id of ids) if (id !== 'dcmjs' || withDcmjs) m.set(id, stats(runs.get(id)!, subset, sizes));
  const copy = m.get('copy');
  const rw = m.get('readwrite');
  const dj = m.get('dcmjs');
  for (const [id, s] of m) {
    if (copy) s.xCopy = s.secMedian / copy.secMedian;
    if (rw) s.xReadWrite = s.secMedian / rw.secMedian;
    if (dj) {
      s.xDcmjs = s.secMedian / dj.secMedian;
      const d = runs.get('dcmjs')!;
      const own = runs.get(id)!;
      s.xDcmjsPerFile = median(subset.map((i) => perFileMedian(own, i) / perFileMedian(d, i)));
    }
  }
  return m;
}
