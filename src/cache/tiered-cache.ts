/**
 * TieredCache: stacked CacheStores, fastest first (L1 memory -> L2 Redis -> L3 SQLite). Reads stop
 * at the first tier holding the key and copy the entry into the tiers above it; writes go to every
 * tier. A tier that throws is skipped for `tierCooldownMs` and reported through CacheEvents.error;
 * its error never reaches the caller, so a request succeeds as long as any tier (or the compute)
 * does. Hit/miss accounting is left to the caller (CachedCompute), which knows fresh from stale.
 */
import { isAbsenceAware, isSyncReadable, type AbsenceAwareStore, type CacheEntry, type CacheStore, type Clock, type SyncReadableStore } from './cache-store.js';
import { NOOP_CACHE_EVENTS, type CacheEvents } from './cache-events.js';
import { DEFAULT_TIER_COOLDOWN_MS } from './defaults.js';

export interface CacheTier {
  /** Name used in events and stats, e.g. `memory`, `redis`, `sql`. */
  name: string;
  store: CacheStore;
  /** Longest this tier keeps an entry, ms (its copy's keepUntil is clipped to now + ttlMs). Undefined: as long as the entry allows. */
  ttlMs?: number;
}

export interface TieredCacheOptions {
  /** Fastest first. */
  tiers: CacheTier[];
  events?: CacheEvents;
  /** Epoch ms. Defaults to Date.now. */
  now?: Clock;
  /** How long to skip a tier after it throws, ms. Defaults to DEFAULT_TIER_COOLDOWN_MS (1 s); 0 retries it on the next call. */
  tierCooldownMs?: number;
}

export interface TieredHit {
  entry: CacheEntry;
  /** Name of the tier that held it. */
  tier: string;
}

export interface TierPurgeResult {
  tier: string;
  /** Entries removed, when the tier answered. */
  removed?: number;
  /** Set when the tier failed; the other tiers were still purged. */
  error?: unknown;
}

export class TieredCache {
  readonly events: CacheEvents;
  readonly now: Clock;
  private readonly tiers: readonly CacheTier[];
  private readonly cooldownMs: number;
  private readonly suspendedUntil = new Map<string, number>();
  private readonly firstSync: SyncReadableStore | undefined;
  /** Each tier's store where it can tell a certain miss synchronously (AbsenceAwareStore), else undefined. */
  private readonly absenceAware: readonly (AbsenceAwareStore | undefined)[];
  /** Name of the fastest tier (the one `freshInFirstTier` reads). */
  readonly firstTierName: string;

  constructor(options: TieredCacheOptions) {
    if (options.tiers.length === 0) throw new TypeError('TieredCache needs at least one tier');
    this.tiers = [...options.tiers];
    this.events = options.events ?? NOOP_CACHE_EVENTS;
    this.now = options.now ?? Date.now;
    this.cooldownMs = options.tierCooldownMs ?? DEFAULT_TIER_COOLDOWN_MS;
    this.firstTierName = this.tiers[0]!.name;
    const first = this.tiers[0]!.store;
    this.firstSync = isSyncReadable(first) ? first : undefined;
    this.absenceAware = this.tiers.map((t) => (isAbsenceAware(t.store) ? t.store : undefined));
    for (const tier of this.tiers) {
      tier.store.onEvict((count, reason) => this.events.eviction(tier.name, count, reason));
    }
  }

  /**
   * The fresh entry the first tier holds for `key`, read synchronously, or undefined (absent, stale,
   * tier suspended, or a first tier that cannot read synchronously): the hot path of a cache hit,
   * with no promise. On undefined, callers fall back to `get`, which also looks at the lower tiers.
   */
  freshInFirstTier(key: string): CacheEntry | undefined {
    if (this.firstSync === undefined || this.isSuspended(this.tiers[0]!)) return undefined;
    let entry: CacheEntry | undefined;
    try {
      entry = this.firstSync.getSync(key);
    } catch (err) {
      this.failed(this.tiers[0]!, err);
      return undefined;
    }
    return entry !== undefined && this.now() < entry.expiresAt ? entry : undefined;
  }

  /**
   * True only when every tier can tell synchronously that it holds no entry for `key` (fresh or
   * stale) and does; false when any tier may hold one, cannot tell (Redis), or is suspended. Lets a
   * caller skip the asynchronous tier walk on a certain miss.
   */
  knownAbsent(key: string): boolean {
    for (let i = 0; i < this.tiers.length; i++) {
      const store = this.absenceAware[i];
      if (store === undefined || this.isSuspended(this.tiers[i]!) || !store.knownAbsent(key)) return false;
    }
    return true;
  }

  /** Tier names, fastest first. */
  get tierNames(): string[] {
    return this.tiers.map((t) => t.name);
  }

  /**
   * The entry from the fastest tier holding a fresh copy, after copying it into the tiers above; if
   * no tier has a fresh copy, the stale copy from the fastest tier holding one (so an expired L1
   * copy never hides the fresh value another replica wrote to L2).
   */
  async get(key: string): Promise<TieredHit | undefined> {
    let stale: TieredHit | undefined;
    for (let i = 0; i < this.tiers.length; i++) {
      const tier = this.tiers[i]!;
      if (this.isSuspended(tier)) continue;
      let entry: CacheEntry | undefined;
      try {
        // The in-process first tier answers without a promise (a miss there is the common case here).
        entry = i === 0 && this.firstSync !== undefined ? this.firstSync.getSync(key) : await tier.store.get(key);
      } catch (err) {
        this.failed(tier, err);
        continue;
      }
      if (entry === undefined) continue;
      if (this.now() >= entry.expiresAt) {
        stale ??= { entry, tier: tier.name };
        continue;
      }
      if (i > 0) await Promise.all(this.tiers.slice(0, i).map((upper) => this.writeTier(upper, key, entry)));
      return { entry, tier: tier.name };
    }
    return stale;
  }

  /** Writes `entry` to every tier that is up; never throws for a tier's failure. */
  async set(key: string, entry: CacheEntry): Promise<void> {
    await Promise.all(this.tiers.map((tier) => this.writeTier(tier, key, entry)));
  }

  /** Deletes `key` from every tier that is up. */
  async delete(key: string): Promise<void> {
    await Promise.all(
      this.tiers.map(async (tier) => {
        if (this.isSuspended(tier)) return;
        try {
          await tier.store.delete(key);
        } catch (err) {
          this.failed(tier, err);
        }
      }),
    );
  }

  /**
   * Removes every entry tagged `tag` from every tier, including suspended ones (an admin purge
   * should try everything), and reports per tier. Replica-local tiers of other processes are not
   * reached: their L1 copies lapse within the L1 TTL.
   */
  async purgeTag(tag: string): Promise<TierPurgeResult[]> {
    return Promise.all(
      this.tiers.map(async (tier): Promise<TierPurgeResult> => {
        try {
          return { tier: tier.name, removed: await tier.store.purgeTag(tag) };
        } catch (err) {
          this.failed(tier, err);
          return { tier: tier.name, error: err };
        }
      }),
    );
  }

  /** Entries per tier (undefined where the backend cannot count or failed): for a gauge collected at scrape time. */
  async entries(): Promise<Record<string, number | undefined>> {
    const out: Record<string, number | undefined> = {};
    await Promise.all(
      this.tiers.map(async (tier) => {
        try {
          out[tier.name] = await tier.store.size();
        } catch (err) {
          this.failed(tier, err);
          out[tier.name] = undefined;
        }
      }),
    );
    return out;
  }

  /** Closes every store (not clients passed into them). */
  async close(): Promise<void> {
    await Promise.allSettled(this.tiers.map((tier) => tier.store.close()));
  }

  private async writeTier(tier: CacheTier, key: string, entry: CacheEntry): Promise<void> {
    if (this.isSuspended(tier)) return;
    const copy = tier.ttlMs === undefined ? entry : { ...entry, keepUntil: Math.min(entry.keepUntil, this.now() + tier.ttlMs) };
    try {
      await tier.store.set(key, copy);
    } catch (err) {
      this.failed(tier, err);
    }
  }

  private isSuspended(tier: CacheTier): boolean {
    const until = this.suspendedUntil.get(tier.name);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.suspendedUntil.delete(tier.name);
    return false;
  }

  private failed(tier: CacheTier, err: unknown): void {
    this.events.error(tier.name, err);
    if (this.cooldownMs > 0) this.suspendedUntil.set(tier.name, this.now() + this.cooldownMs);
  }
}
