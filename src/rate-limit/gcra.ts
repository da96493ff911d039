/**
 * GCRA, the generic cell rate algorithm (ITU-T I.371), as pure integer arithmetic.
 *
 * Why GCRA: it keeps one number per key, the theoretical arrival time (TAT) of the next request,
 * and decides exactly from it and the current time. Unlike a token bucket it needs no background
 * refill and no second field (tokens + last refill), which is what makes it one atomic GET/SET in a
 * Redis script; unlike fixed windows it has no boundary where twice the limit gets through; unlike
 * sliding logs it is O(1) memory per key.
 *
 * Units: microseconds, all integers (exact in doubles and in Redis Lua). The emission interval T is
 * rounded up, so rounding can only make the limit stricter. In any window of length w, admitted
 * cost never exceeds `burst + w / T` (proved by the property test in test/rate-limit/).
 */

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND;

export interface GcraParams {
  /** Emission interval per unit of cost, µs (60e6 / ratePerMinute, rounded up). */
  intervalUs: number;
  /** Units that may arrive at once after a quiet period; capacity is `burst * intervalUs`. */
  burst: number;
  /** Units this request costs. Negative refunds (never below "full"). */
  cost: number;
  /** Apply a positive cost even when over the limit (settling a cost already incurred). */
  force?: boolean;
}

export interface GcraDecision {
  allowed: boolean;
  /** Units that could be admitted right now after this decision, 0..burst. */
  remaining: number;
  /** µs until the key is back to full capacity. */
  resetUs: number;
  /** µs until this request would be admitted; 0 when allowed. */
  retryAfterUs: number;
}

export interface GcraStep extends GcraDecision {
  /** TAT to store; `undefined` when the key is at full capacity and can be forgotten. */
  tatUs: number | undefined;
}

/** `ceil(60e6 / ratePerMinute)` µs, at least 1. */
export function intervalFor(ratePerMinute: number): number {
  if (!(ratePerMinute > 0) || !Number.isFinite(ratePerMinute)) throw new RangeError(`ratePerMinute must be a positive number, got ${ratePerMinute}`);
  return Math.max(1, Math.ceil(MICROS_PER_MINUTE / ratePerMinute));
}

function clampRemaining(value: number, burst: number): number {
  return Math.min(burst, Math.max(0, Math.floor(value)));
}

/**
 * One GCRA step. `tatUs` is the stored TAT (undefined for a new key), `nowUs` the current time.
 * The Lua script in redis-store.ts is a line-for-line transcription: change both together.
 */
export function gcraStep(tatUs: number | undefined, nowUs: number, p: GcraParams): GcraStep {
  const T = p.intervalUs;
  const tau = T * p.burst;
  const tat = Math.max(tatUs ?? nowUs, nowUs);
  const newTat = Math.max(nowUs, tat + T * p.cost);
  const allowAt = newTat - tau;
  if (p.cost > 0 && !p.force && nowUs < allowAt) {
    return {
      allowed: false,
      remaining: clampRemaining((nowUs + tau - tat) / T, p.burst),
      resetUs: tat - nowUs,
      retryAfterUs: allowAt - nowUs,
      tatUs: tatUs,
    };
  }
  return {
    allowed: true,
    remaining: clampRemaining((nowUs + tau - newTat) / T, p.burst),
    resetUs: newTat - nowUs,
    retryAfterUs: 0,
    tatUs: newTat > nowUs ? newTat : undefined,
  };
}
