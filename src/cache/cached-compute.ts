/**
 * CachedCompute: `getOrCompute` over a TieredCache with the stampede defences together:
 *   - single-flight: concurrent identical calls in this process share one read and one compute;
 *   - XFetch: a fresh hit may trigger one background refresh shortly before expiry;
 *   - a short distributed lock: of the replicas that find an expired entry, one recomputes while
 *     the others serve the stale value;
 *   - serve-stale-on-error: if the recompute fails (provider down, breaker open) and the entry is
 *     within the max-stale window, the stale value is served, marked `stale`.
 * A cold miss with nothing stale recomputes and rethrows the compute's error (shared by all callers).
 */
import type { CacheEntry } from './cache-store.js';
import type { CacheKind } from './cache-events.js';
import type { DistributedLock, LockLease } from './distributed-lock.js';
import type { TieredCache } from './tiered-cache.js';
import { SingleFlight } from './single-flight.js';
import { shouldRefreshEarly } from './xfetch.js';
import { DEFAULT_ENTRY_TTL_MS, DEFAULT_LOCK_TTL_MS, DEFAULT_MAX_STALE_MS, DEFAULT_XFETCH_BETA } from './defaults.js';

export type CacheStatus = 'hit' | 'miss' | 'stale';

export interface CachedResult<V> {
  value: V;
  status: CacheStatus;
  /** Tier that held the value, for `hit` and `stale`. */
  tier?: string;
}

export interface ComputePolicy {
  /** Freshness of a new value, ms. Defaults to DEFAULT_ENTRY_TTL_MS (1 h). */
  ttlMs?: number;
  /** How long after expiry a value may still be served stale, ms. Defaults to DEFAULT_MAX_STALE_MS (1 h). */
  maxStaleMs?: number;
  /** XFetch eagerness. Defaults to 1. */
  beta?: number;
  /** Tags stored with a new value (at least its collection tag, so purges find it). */
  tags?: readonly string[];
}

export interface CachedComputeOptions extends Omit<ComputePolicy, 'tags'> {
  cache: TieredCache;
  /** Refresh lock shared by replicas (RedisLock). Without one, each replica refreshes on its own. */
  lock?: DistributedLock;
  /** Refresh-lock lease, ms. Defaults to DEFAULT_LOCK_TTL_MS (10 s). */
  lockTtlMs?: number;
  /** Uniform in [0, 1), for XFetch. Defaults to Math.random. */
  random?: () => number;
  /** Label for hit/miss/stale events. Defaults to `exact`. */
  kind?: CacheKind;
  /** Called with a background refresh's error (the request that triggered it has already been answered). */
  onRefreshError?: (err: unknown) => void;
}

type Compute<V> = () => Promise<V>;

/** Lock outcome: a lease, held by another replica, or no lock to take (none configured, or it is down). */
type LockOutcome = { lease: LockLease } | 'held' | 'none';

export class CachedCompute {
  private readonly cache: TieredCache;
  private readonly opts: CachedComputeOptions;
  private readonly random: () => number;
  private readonly kind: CacheKind;
  private readonly flights = new SingleFlight<CachedResult<unknown>>();
  private readonly refreshes = new SingleFlight<void>();
  private readonly background = new Set<Promise<void>>();

  constructor(options: CachedComputeOptions) {
    this.cache = options.cache;
    this.opts = options;
    this.random = options.random ?? Math.random;
    this.kind = options.kind ?? 'exact';
  }

  /**
   * The cached value for `key`, computing (and storing) it on a miss. `compute` must resolve a
   * JSON-serialisable value (undefined is returned but not cached). Concurrent calls for one key
   * share the first caller's `compute` and policy. Rejects only with `compute`'s own error, when no
   * stale value within the window exists; cache tier failures never reject.
   *
   * @example
   * const { value, status } = await cached.getOrCompute(answerCacheKey(input), () => answer(input), {
   *   tags: [collectionTag(input.tenant, input.collection)],
   * });
   */
  getOrCompute<V>(key: string, compute: Compute<V>, policy: ComputePolicy = {}): Promise<CachedResult<V>> {
    return this.flights.do(key, () => this.run(key, compute, policy)) as Promise<CachedResult<V>>;
  }

  /**
   * A fresh hit from the first (in-process) tier, synchronously, or undefined: then call
   * `getOrCompute`. Same bookkeeping as a hit there (hit event, XFetch early refresh in the
   * background), without the promises of single-flight and the tier walk. `later` makes the
   * computation and its policy only if XFetch starts an early refresh, so a plain fresh hit
   * allocates nothing for them; XFetch draws with the options' beta (a policy's own is not known
   * before `later` runs).
   */
  tryFresh<V>(key: string, later: () => { compute: Compute<V>; policy: ComputePolicy }): CachedResult<V> | undefined {
    const entry = this.cache.freshInFirstTier(key);
    if (entry === undefined) return undefined;
    const tier = this.cache.firstTierName;
    this.cache.events.hit(tier, this.kind);
    if (this.refreshesEarly(entry, undefined)) {
      const { compute, policy } = later();
      this.refreshInBackground(key, compute, policy);
    }
    return { value: entry.value as V, status: 'hit', tier };
  }

  /**
   * True when `getOrCompute(key, ...)` would certainly compute: no call for `key` is in flight and
   * no tier holds an entry for it, fresh or stale (TieredCache.knownAbsent). False when it cannot tell.
   */
  certainMiss(key: string): boolean {
    return !this.flights.has(key) && this.cache.knownAbsent(key);
  }

  /**
   * Counts a miss, as `getOrCompute` does on one: for a caller that found a certain miss
   * (`certainMiss`) and answered without calling `getOrCompute` (a semantic hit).
   */
  countMiss(): void {
    this.cache.events.miss(this.kind);
  }

  /** Resolves when every background refresh started so far has finished: for tests and shutdown. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private async run<V>(key: string, compute: Compute<V>, policy: ComputePolicy): Promise<CachedResult<V>> {
    const found = await this.cache.get(key);
    const now = this.cache.now();
    const events = this.cache.events;
    if (found !== undefined && now < found.entry.expiresAt) {
      this.onHit(key, found.entry, found.tier, compute, policy);
      return { value: found.entry.value as V, status: 'hit', tier: found.tier };
    }
    events.miss(this.kind);
    if (found === undefined) return { value: await this.computeAndStore(key, compute, policy), status: 'miss' };
    return this.refreshStale(key, found.entry, found.tier, compute, policy);
  }

  /** A fresh hit: counted, and XFetch may start one background refresh shortly before expiry. */
  private onHit<V>(key: string, entry: CacheEntry, tier: string, compute: Compute<V>, policy: ComputePolicy): void {
    this.cache.events.hit(tier, this.kind);
    if (this.refreshesEarly(entry, policy.beta)) this.refreshInBackground(key, compute, policy);
  }

  /** XFetch's draw for a fresh `entry`: true when it is to be refreshed now, ahead of its expiry. */
  private refreshesEarly(entry: CacheEntry, policyBeta: number | undefined): boolean {
    const beta = policyBeta ?? this.opts.beta ?? DEFAULT_XFETCH_BETA;
    return shouldRefreshEarly({ now: this.cache.now(), expiresAt: entry.expiresAt, delta: entry.delta, beta, random: this.random });
  }

  private async refreshStale<V>(key: string, stale: CacheEntry, tier: string, compute: Compute<V>, policy: ComputePolicy): Promise<CachedResult<V>> {
    const served = (): CachedResult<V> => {
      this.cache.events.stale(this.kind);
      return { value: stale.value as V, status: 'stale', tier };
    };
    const lock = await this.acquire(key);
    if (lock === 'held') return served();
    try {
      return { value: await this.computeAndStore(key, compute, policy), status: 'miss' };
    } catch (err) {
      const maxStale = policy.maxStaleMs ?? this.opts.maxStaleMs ?? DEFAULT_MAX_STALE_MS;
      if (this.cache.now() - stale.expiresAt <= maxStale) return served();
      throw err;
    } finally {
      await this.release(lock);
    }
  }

  private refreshInBackground<V>(key: string, compute: Compute<V>, policy: ComputePolicy): void {
    const run = this.refreshes.do(key, async () => {
      const lock = await this.acquire(key);
      if (lock === 'held') return;
      try {
        await this.computeAndStore(key, compute, policy);
      } finally {
        await this.release(lock);
      }
    });
    const tracked = run.catch((err: unknown) => this.opts.onRefreshError?.(err)).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private async computeAndStore<V>(key: string, compute: Compute<V>, policy: ComputePolicy): Promise<V> {
    const started = this.cache.now();
    const value = await compute();
    // undefined has no JSON form: hand it back, but never cache it.
    if (value === undefined) return value;
    const now = this.cache.now();
    const ttl = policy.ttlMs ?? this.opts.ttlMs ?? DEFAULT_ENTRY_TTL_MS;
    const maxStale = policy.maxStaleMs ?? this.opts.maxStaleMs ?? DEFAULT_MAX_STALE_MS;
    await this.cache.set(key, {
      value,
      storedAt: now,
      expiresAt: now + ttl,
      keepUntil: now + ttl + maxStale,
      delta: Math.max(0, now - started),
      tags: policy.tags ?? [],
    });
    return value;
  }

  private async acquire(key: string): Promise<LockOutcome> {
    if (this.opts.lock === undefined) return 'none';
    try {
      const lease = await this.opts.lock.tryAcquire(`refresh:${key}`, this.opts.lockTtlMs ?? DEFAULT_LOCK_TTL_MS);
      return lease === undefined ? 'held' : { lease };
    } catch (err) {
      // Lock service down: refresh without coordination rather than serve stale indefinitely.
      this.cache.events.error('lock', err);
      return 'none';
    }
  }

  private async release(lock: LockOutcome): Promise<void> {
    if (typeof lock === 'string') return;
    try {
      await lock.lease.release();
    } catch (err) {
      this.cache.events.error('lock', err);
    }
  }
}
