/**
 * XFetch: probabilistic early expiration (Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic
 * Cache Stampede Prevention", VLDB 2015). Each reader refreshes early with a probability that grows
 * as expiry nears and with how long the value takes to compute, so one reader usually refreshes
 * before the entry expires and the rest never see a miss.
 */
import { DEFAULT_XFETCH_BETA } from './defaults.js';

export interface XFetchInput {
  /** Epoch ms. */
  now: number;
  /** Expiry of the cached value, epoch ms. */
  expiresAt: number;
  /** Time the value took to compute, ms. */
  delta: number;
  /** Eagerness; above 1 refreshes earlier, below 1 later. Defaults to 1. */
  beta?: number;
  /** Uniform in [0, 1). Injected so tests are deterministic. */
  random: () => number;
}

/** True when this reader should recompute now: `now - delta * beta * ln(random()) >= expiresAt`. */
export function shouldRefreshEarly(input: XFetchInput): boolean {
  const { now, expiresAt, delta, beta = DEFAULT_XFETCH_BETA } = input;
  if (now >= expiresAt) return true;
  // random() may return 0, whose log is -Infinity: clamp to the smallest positive double.
  const r = Math.max(input.random(), Number.MIN_VALUE);
  return now - Math.max(0, delta) * beta * Math.log(r) >= expiresAt;
}
