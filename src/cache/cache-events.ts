/**
 * CacheEvents: what the cache library reports, for the metrics layer to turn into counters and
 * gauges. Push events for hits, misses, errors and evictions; entries per tier are pulled with
 * `TieredCache.entries()` at scrape time because counting a shared store on every write is waste.
 */
import type { EvictionReason } from './cache-store.js';

/** Which cache answered: the exact answer cache, the semantic answer cache, or the embedding cache. */
export type CacheKind = 'exact' | 'semantic' | 'embedding';

export interface CacheEvents {
  /** A lookup of `kind` was answered by `tier` (`memory`, `redis`, `sql`, `semantic`, ...). */
  hit(tier: string, kind: CacheKind): void;
  /** A lookup of `kind` found nothing usable in any tier. */
  miss(kind: CacheKind): void;
  /** `tier` threw and was skipped; the request continued on the other tiers. */
  error(tier: string, err: unknown): void;
  /** `tier` dropped `count` entries on its own. */
  eviction(tier: string, count: number, reason: EvictionReason): void;
  /** A stale value of `kind` was served (recompute failed, or another replica is refreshing). */
  stale(kind: CacheKind): void;
}

/** Events that go nowhere: the default when no metrics layer is attached. */
export const NOOP_CACHE_EVENTS: CacheEvents = {
  hit() {},
  miss() {},
  error() {},
  eviction() {},
  stale() {},
};

/** Counts events in memory: for tests and a simple stats endpoint. */
export class CountingCacheEvents implements CacheEvents {
  readonly hits = new Map<string, number>();
  readonly misses = new Map<CacheKind, number>();
  readonly errors = new Map<string, number>();
  readonly evictions = new Map<string, number>();
  readonly stales = new Map<CacheKind, number>();
  /** The most recent error per tier, for diagnosis. */
  readonly lastError = new Map<string, unknown>();

  hit(tier: string, kind: CacheKind): void {
    bump(this.hits, `${kind}:${tier}`);
  }
  miss(kind: CacheKind): void {
    bump(this.misses, kind);
  }
  error(tier: string, err: unknown): void {
    bump(this.errors, tier);
    this.lastError.set(tier, err);
  }
  eviction(tier: string, count: number, reason: EvictionReason): void {
    bump(this.evictions, `${tier}:${reason}`, count);
  }
  stale(kind: CacheKind): void {
    bump(this.stales, kind);
  }

  /** Hits of `kind` answered by `tier`. */
  hitCount(tier: string, kind: CacheKind): number {
    return this.hits.get(`${kind}:${tier}`) ?? 0;
  }
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
