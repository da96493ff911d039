/**
 * The in-process rate-limit store: GCRA state in a Map used as an LRU, bounded so a flood of
 * distinct keys (e.g. spoofed IPs) cannot grow memory without limit. Evicting a key forgets its
 * state, which only ever errs towards admitting; keys already back at full capacity are dropped
 * first because forgetting them changes nothing. Used alone for a single replica and as the
 * fallback while Redis is unreachable.
 */
import { gcraStep, type GcraDecision, type GcraParams } from './gcra.js';
import type { RateLimitStore } from './store.js';

/** Keys kept at most: 100,000 x ~100 bytes ~ 10 MB. */
export const DEFAULT_MEMORY_STORE_MAX_KEYS = 100_000;

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
  /** key -> TAT in µs; Map order is recency order. */
  private readonly tats = new Map<string, number>();

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
    const step = gcraStep(this.tats.get(key), nowUs, params);
    this.tats.delete(key);
    if (step.tatUs !== undefined) {
      this.tats.set(key, step.tatUs);
      if (this.tats.size > this.maxKeys) this.evict(nowUs);
    }
    return { allowed: step.allowed, remaining: step.remaining, resetUs: step.resetUs, retryAfterUs: step.retryAfterUs };
  }

  async consume(key: string, params: GcraParams): Promise<GcraDecision> {
    return this.consumeSync(key, params);
  }

  private evict(nowUs: number): void {
    // Oldest first; a key whose TAT has passed is at full capacity and is forgotten for free.
    for (const [key, tat] of this.tats) {
      if (this.tats.size <= this.maxKeys) return;
      if (tat <= nowUs) this.tats.delete(key);
      else break;
    }
    while (this.tats.size > this.maxKeys) this.tats.delete(this.tats.keys().next().value as string);
  }
}
