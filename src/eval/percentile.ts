/**
 * Latency percentiles for the evaluation and benchmark reports. Nearest-rank definition (the one
 * in most textbooks and in HdrHistogram): the p-th percentile is the smallest sample such that at
 * least p% of the samples are less than or equal to it. Always an observed value, never interpolated.
 */

/**
 * The p-th percentile (0 < p <= 100) of `samples`, by nearest rank; `0` for no samples.
 * `samples` need not be sorted and is not modified.
 *
 * @example percentile([5, 1, 3, 2, 4], 50) // 3
 */
export function percentile(samples: ArrayLike<number>, p: number): number {
  return percentiles(samples, [p])[0] ?? 0;
}

/** Several percentiles of one sample set, sorting it once. Returns one value per entry of `ps`. */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  for (const p of ps) {
    if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  }
  if (samples.length === 0) return ps.map(() => 0);
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]);
}
