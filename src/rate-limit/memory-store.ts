/**
 * The in-process rate-limit store: GCRA state in a Map used as an LRU, bounded so a flood of
 * distinct keys (e.g. spoofed IPs) cannot grow memory without limit. Evicting a key forgets its
 * state, which only ever errs towards admitting; keys already back at full capacity are dropped
 * first because forgetting them changes nothing. Used alone for a single replica and as the
 * fallback while Redis is unreachable.
 *
 * Each key's state is a small mutable entry, so a decision on a known key is one Map lookup and an
 * in-place update; the entry moves to the LRU's young end at most once per LRU_TOUCH_INTERVAL_MS.
 */
import { gcraStep, type GcraDecision, type GcraParams } from './gcra.js';
import type { RateLimitStore } from './store.js';

/** Keys kept at most: 100,000 x ~100 bytes ~ 10 MB. */
export const DEFAULT_MEMORY_STORE_MAX_KEYS = 100_000;
/**
 * A key in use moves to the LRU's young end at most this often: 1 s, so recency is right to the
 * second (eviction takes 100,000 other keys in between) while most decisions do no Map churn.
 */
const LRU_TOUCH_INTERVAL_US = 1_000_000;

interface Entry {
  /** Theoretical arrival time, µs. */
  tat: number;
  /** When the entry last moved to the LRU's young end, µs. */
  touchedUs: number;
}

export interface MemoryRateLimitStoreOptions {
  /** Defaults to {@link DEFAULT_MEMORY_STORE_MAX_KEYS}. */
  maxKeys?: number;
  /** Clock, epoch ms (fractions allowed). Defaults to `Date.now`. */
  now?: () => number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory';
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** key -> TAT; Map order is recency order (to within LRU_TOUCH_INTERVAL_US). */
  private readonly tats = new Map<string, Entry>();

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_MEMORY_STORE_MAX_KEYS);
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.tats.size;
  }

  /** Synchronous core of {@link consume}: the step and the write happen in one turn, so concurrent callers cannot interleave. */
  consumeSync(key: string, params: GcraParams): GcraDecision {
    const nowUs = Math.round(this.now() * 1000);
    const entry = this.tats.get(key);
    const step = gcraStep(entry?.tat, nowUs, params);
    if (step.tatUs === undefined) {
      // Back at full capacity: nothing worth remembering.
      if (entry !== undefined) this.tats.delete(key);
    } else if (entry === undefined) {
      this.tats.set(key, { tat: step.tatUs, touchedUs: nowUs });
      if (this.tats.size > this.maxKeys) this.evict(nowUs);
    } else {
      entry.tat = step.tatUs;
      if (nowUs - entry.touchedUs >= LRU_TOUCH_INTERVAL_US || nowUs < entry.touchedUs) {
        entry.touchedUs = nowUs;
        this.tats.delete(key);
        this.tats.set(key, entry);
      }
    }
    // The step is a GcraDecision (plus the TAT, which callers ignore): returned as is, no copy.
    return step;
  }

  /** Decides synchronously (no promise): see {@link consumeSync}. */
  consume(key: string, params: GcraParams): GcraDecision {
    return this.consumeSync(key, params);
  }

  private evict(nowUs: number): void {
    // Oldest first; a key whose TAT has passed is at full capacity and is forgotten for free.
    for (const [key, { tat }] of this.tats) {
      if (this.tats.size <= this.maxKeys) return;
      if (tat <= nowUs) this.tats.delete(key);
      else break;
    }
    while (this.tats.size > this.maxKeys) this.tats.delete(this.tats.keys().next().value as string);
  }
}
