/**
 * Exponential backoff with full jitter: the wait before retry n (1-based) is uniform in
 * [0, min(cap, base * 2^(n-1))). From "Exponential Backoff And Jitter" (Marc Brooker, AWS
 * Architecture Blog, 2015): full jitter spreads synchronized clients best for the least total work.
 *
 * Hand-written because cockatiel's `fullJitterGenerator` reads `Math.random` directly, so tests
 * could not pin the jitter; the formula is one line.
 */
import { DEFAULT_RETRY_BASE_DELAY_MS, DEFAULT_RETRY_MAX_DELAY_MS } from './defaults.js';

export interface BackoffOptions {
  /** Ceiling of the first retry's wait, in ms. Defaults to 100 ms. */
  baseDelayMs: number;
  /** Largest ceiling, in ms. Defaults to 2 s. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseDelayMs: DEFAULT_RETRY_BASE_DELAY_MS,
  maxDelayMs: DEFAULT_RETRY_MAX_DELAY_MS,
};

/** The upper bound of the jittered wait before retry `retry` (1 = first retry), in ms. */
export function backoffCeilingMs(retry: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  // Cap the exponent so 2 ** n never overflows to Infinity for absurd attempt counts.
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(retry - 1, 52));
}

/** The full-jitter wait before retry `retry`, in ms; `random` must be uniform in [0, 1). */
export function fullJitterDelayMs(retry: number, random: () => number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.floor(random() * backoffCeilingMs(retry, options));
}
