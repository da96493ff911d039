/**
 * MemoryStore: the in-process tier. An LRU (isaacs/lru-cache) bounded by entries and approximate
 * bytes, with each entry's TTL set from its `keepUntil` against the injected clock.
 *
 * Purge by tag: an exact tag -> keys index kept in step with the LRU through its dispose hook, so a
 * purge removes exactly the live entries carrying the tag and the index never outgrows the cache.
 */
import { LRUCache } from 'lru-cache';
import { isRetained, type CacheEntry, type CacheStore, type Clock, type EvictionListener } from './cache-store.js';
import { DEFAULT_L1_MAX_BYTES, DEFAULT_L1_MAX_ENTRIES } from './defaults.js';

export interface MemoryStoreOptions {
  /** Maximum entries. Defaults to DEFAULT_L1_MAX_ENTRIES (1,000). */
  maxEntries?: number;
  /** Maximum approximate bytes over keys and values. Defaults to DEFAULT_L1_MAX_BYTES (64 MB). */
  maxBytes?: number;
  /** Approximate size of a value in bytes. Defaults to `approximateBytes`. */
  sizeOf?: (value: unknown) => number;
  /** Epoch ms. Defaults to Date.now. */
  now?: Clock;
}

/** Per-entry bookkeeping (timestamps, tags array) in bytes, on top of key and value. */
const ENTRY_OVERHEAD_BYTES = 128;

export class MemoryStore implements CacheStore {
  private readonly lru: LRUCache<string, CacheEntry>;
  private readonly byTag = new Map<string, Set<string>>();
  private readonly listeners: EvictionListener[] = [];
  private readonly now: Clock;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    const sizeOf = options.sizeOf ?? approximateBytes;
    const now = this.now;
    this.lru = new LRUCache<string, CacheEntry>({
      max: options.maxEntries ?? DEFAULT_L1_MAX_ENTRIES,
      maxSize: options.maxBytes ?? DEFAULT_L1_MAX_BYTES,
      sizeCalculation: (entry, key) => Math.max(1, key.length * 2 + sizeOf(entry.value) + ENTRY_OVERHEAD_BYTES),
      // lru-cache reads time through `perf`; 0 resolution stops it caching `now` behind a timer.
      perf: { now },
      ttlResolution: 0,
      ttlAutopurge: false,
      dispose: (entry, key, reason) => {
        this.unindex(key, entry);
        if (reason === 'evict') this.emit(1, 'capacity');
        else if (reason === 'expire') this.emit(1, 'expired');
      },
    });
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    return this.getSync(key);
  }

  /** `get` without the promise: the memory tier can answer synchronously (see TieredCache.freshInFirstTier). */
  getSync(key: string): CacheEntry | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined) return undefined;
    if (!isRetained(entry, this.now())) {
      this.lru.delete(key);
      this.emit(1, 'expired');
      return undefined;
    }
    return entry;
  }

  /** True when no entry (fresh or stale) is held for `key`; touches neither recency nor expiry. */
  knownAbsent(key: string): boolean {
    return this.lru.peek(key) === undefined;
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const ttl = entry.keepUntil - this.now();
    if (ttl <= 0) return;
    this.lru.set(key, entry, { ttl });
    // An entry larger than maxSize is refused by lru-cache; index only what it kept.
    if (this.lru.peek(key) !== entry) return;
    for (const tag of entry.tags) {
      let keys = this.byTag.get(tag);
      if (keys === undefined) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  async delete(key: string): Promise<boolean> {
    return this.lru.delete(key);
  }

  async purgeTag(tag: string): Promise<number> {
    const keys = this.byTag.get(tag);
    if (keys === undefined) return 0;
    let removed = 0;
    for (const key of [...keys]) if (this.lru.delete(key)) removed++;
    this.byTag.delete(tag);
    return removed;
  }

  async size(): Promise<number> {
    return this.lru.size;
  }

  onEvict(listener: EvictionListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.lru.clear();
  }

  private unindex(key: string, entry: CacheEntry): void {
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.byTag.delete(tag);
    }
  }

  private emit(count: number, reason: 'capacity' | 'expired'): void {
    for (const listener of this.listeners) listener(count, reason);
  }
}

/**
 * Approximate bytes a value holds in the V8 heap: strings at 2 bytes per UTF-16 unit, typed arrays by
 * their buffers, anything else by the length of its JSON (an estimate: exact sizes are not observable).
 */
export function approximateBytes(value: unknown): number {
  if (typeof value === 'string') return value.length * 2;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value === undefined || value === null) return 8;
  try {
    return (JSON.stringify(value)?.length ?? 8) * 2;
  } catch {
    return 1024;
  }
}
