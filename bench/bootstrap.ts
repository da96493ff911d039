/**
 * Percentile bootstrap of a median, for benchmark verdicts made from a handful of noisy rounds: the
 * rounds are resampled with replacement, the median of each resample taken, and the interval
 * between the `(1 - level) / 2` and `(1 + level) / 2` quantiles of those medians returned. A target
 * is then met only when the whole interval clears it, missed only when the whole interval falls
 * short, and unsettled otherwise: on a VM whose rounds vary by 10-30%, a single median on either side
 * of a 5% line says little. Deterministic for a given seed (mulberry32), so a report can be
 * reproduced from its rounds.
 */
import { prng } from './prng.js';

/** Resamples drawn by default: enough for stable 2.5% / 97.5% quantiles of a median. */
export const DEFAULT_RESAMPLES = 4000;
/** Default interval: 95%. */
export const DEFAULT_LEVEL = 0.95;

export interface Interval {
  readonly low: number;
  readonly median: number;
  readonly high: number;
}

export type Verdict = 'met' | 'MISSED' | 'unsettled';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The median of `xs` and its bootstrap interval. NaN bounds for an empty sample. */
export function bootstrapMedian(xs: readonly number[], options: { resamples?: number; level?: number; random?: () => number } = {}): Interval {
  if (xs.length === 0) return { low: Number.NaN, median: Number.NaN, high: Number.NaN };
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  const random = options.random ?? prng(1);
  const medians = new Float64Array(resamples);
  const sample = new Array<number>(xs.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < xs.length; i++) sample[i] = xs[Math.floor(random() * xs.length)] as number;
    medians[r] = median(sample);
  }
  medians.sort();
  const at = (q: number): number => medians[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))] as number;
  return { low: at((1 - level) / 2), median: median(xs), high: at((1 + level) / 2) };
}

/** For ratios where higher is better and `floor` is the target: met, MISSED, or unsettled. */
export function verdictAtLeast(interval: Interval, floor: number): Verdict {
  if (interval.low >= floor) return 'met';
  if (interval.high < floor) return 'MISSED';
  return 'unsettled';
}
