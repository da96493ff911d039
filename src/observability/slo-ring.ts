/**
 * A ring of fixed-width time buckets counting good and total events, for rolling-window SLIs.
 * Each slot remembers which bucket it holds, so old data rolls off lazily: a slot is reset when a
 * later bucket claims it, and a sum skips slots holding buckets outside the window. No timers, and
 * a clock that jumps (suspend, NTP step) can only drop or skip buckets, never mix them.
 */

/** Good and total event counts over some span of time. */
export interface Tally {
  good: number;
  total: number;
}

export class BucketRing {
  /** Bucket index held by each slot; -1 when empty. Float64 so epoch-ms / width is exact. */
  private readonly stamps: Float64Array;
  private readonly goods: Float64Array;
  private readonly totals: Float64Array;
  /**
   * The bucket `add` last wrote to, as the time span it covers ([start, end) ms) and its slot, so
   * an event inside the same bucket costs two compares and two increments (no division, no
   * allocation). Any other time, earlier ones included (a clock step back), recomputes them.
   */
  private currentStart = Number.POSITIVE_INFINITY;
  private currentEnd = Number.NEGATIVE_INFINITY;
  private currentSlot = 0;

  /**
   * @param widthMs Bucket width in milliseconds.
   * @param slots Number of buckets kept; the ring covers `widthMs * slots` of history.
   */
  constructor(
    readonly widthMs: number,
    readonly slots: number,
  ) {
    this.stamps = new Float64Array(slots).fill(-1);
    this.goods = new Float64Array(slots);
    this.totals = new Float64Array(slots);
  }

  /** How far back this ring can sum, in milliseconds. */
  get spanMs(): number {
    return this.widthMs * this.slots;
  }

  /** Counts `count` events at `nowMs`, of which `good` were good. */
  add(nowMs: number, good: number, count: number): void {
    if (!(nowMs >= this.currentStart && nowMs < this.currentEnd)) this.enter(nowMs);
    const slot = this.currentSlot;
    this.goods[slot] = (this.goods[slot] as number) + good;
    this.totals[slot] = (this.totals[slot] as number) + count;
  }

  /** Makes the bucket of `nowMs` current, claiming (and clearing) its slot if it held an older bucket. */
  private enter(nowMs: number): void {
    const bucket = Math.floor(nowMs / this.widthMs);
    const slot = bucket % this.slots;
    if (this.stamps[slot] !== bucket) {
      this.stamps[slot] = bucket;
      this.goods[slot] = 0;
      this.totals[slot] = 0;
    }
    this.currentStart = bucket * this.widthMs;
    this.currentEnd = this.currentStart + this.widthMs;
    this.currentSlot = slot;
  }

  /**
   * Sums the buckets of the last `windowMs` ending at `nowMs`: the current, partly filled bucket and
   * the whole buckets before it, `ceil(windowMs / widthMs)` in all (capped at the ring's size). The
   * sum therefore covers between `windowMs - widthMs` and `windowMs` of history.
   */
  sum(nowMs: number, windowMs: number): Tally {
    const current = Math.floor(nowMs / this.widthMs);
    const count = Math.min(this.slots, Math.ceil(windowMs / this.widthMs));
    let good = 0;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const bucket = current - i;
      if (bucket < 0) break;
      const slot = bucket % this.slots;
      if (this.stamps[slot] !== bucket) continue;
      good += this.goods[slot] as number;
      total += this.totals[slot] as number;
    }
    return { good, total };
  }

  /** Bytes held by the ring's arrays. */
  get bytes(): number {
    return this.stamps.byteLength + this.goods.byteLength + this.totals.byteLength;
  }
}
