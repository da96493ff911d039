/**
 * CacheStore: the contract every cache backend (memory, Redis, SQLite) meets, so tiers can be stacked
 * and tested with one contract suite (test/cache/cache-store-contract.ts, after undici's
 * cacheStoreTests).
 *
 * A store keeps entries until `keepUntil` and never returns one at or after it; whether an entry it
 * returns is fresh (`now < expiresAt`) or stale is the caller's decision. Values must be
 * JSON-serialisable (Redis and SQLite serialise them; memory keeps the reference, so callers treat
 * values as immutable). Deliberately not part of this contract: iteration, batch reads, and any
 * backend-specific helper; those stay private to the adapter.
 */

/** Epoch milliseconds. Injected everywhere so tests move time instead of sleeping. */
export type Clock = () => number;

export interface CacheEntry<V = unknown> {
  readonly value: V;
  /** When the value was computed, epoch ms. */
  readonly storedAt: number;
  /** Fresh until this instant, epoch ms. */
  readonly expiresAt: number;
  /** The store drops the entry at this instant, epoch ms; `>= expiresAt` leaves a window to serve it stale. */
  readonly keepUntil: number;
  /** How long computing the value took, ms: XFetch refreshes slow values earlier. */
  readonly delta: number;
  /** Labels for bulk invalidation, e.g. the collection the value was derived from (see cache-key.ts). */
  readonly tags: readonly string[];
}

/** Why entries left a store without being deleted: out of room, or past `keepUntil`. */
export type EvictionReason = 'capacity' | 'expired';

export type EvictionListener = (count: number, reason: EvictionReason) => void;

export interface CacheStore {
  /** The entry, or undefined when absent or at/after its `keepUntil`. */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Inserts or replaces. An entry already at/after its `keepUntil` is not stored (and replaces nothing). */
  set(key: string, entry: CacheEntry): Promise<void>;
  /** True when an entry was removed. */
  delete(key: string): Promise<boolean>;
  /** Removes every entry carrying `tag`; resolves with how many were removed (best effort for shared stores). */
  purgeTag(tag: string): Promise<number>;
  /** Entries held now, or undefined when the backend cannot count cheaply (Redis). */
  size(): Promise<number | undefined>;
  /** Registers a listener for evictions the store makes on its own. */
  onEvict(listener: EvictionListener): void;
  /** Releases timers and handles the store owns (never a client passed in). */
  close(): Promise<void>;
}

/** Whether a store may still return `entry` at `now`. */
export function isRetained(entry: CacheEntry, now: number): boolean {
  return now < entry.keepUntil;
}

/**
 * A store that can also read synchronously (the in-process memory tier). Not part of the contract:
 * an optional capability the tiered cache uses for a fresh L1 hit without a promise per read.
 */
export interface SyncReadableStore extends CacheStore {
  getSync(key: string): CacheEntry | undefined;
}

/**
 * A store that can say, synchronously and without I/O, that it certainly holds no entry (fresh or
 * stale) for a key: the in-process tiers (memory, and SQLite, which keeps its table's key set). A
 * shared store (Redis) cannot, since another replica may have written the key.
 */
export interface AbsenceAwareStore extends CacheStore {
  /** True only when no entry for `key` is held; false when one may be. */
  knownAbsent(key: string): boolean;
}

export function isAbsenceAware(store: CacheStore): store is AbsenceAwareStore {
  return typeof (store as Partial<AbsenceAwareStore>).knownAbsent === 'function';
}

export function isSyncReadable(store: CacheStore): store is SyncReadableStore {
  return typeof (store as Partial<SyncReadableStore>).getSync === 'function';
}
