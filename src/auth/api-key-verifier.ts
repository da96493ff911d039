/**
 * Verifies presented API keys against a KeyStore through a bounded in-memory cache, so the store
 * is off the hot path: a key's row is looked up once per TTL and the presented secret is checked
 * against its salted hash (HMAC-SHA256, constant time). A successful check is remembered on the
 * row's cache entry as a verdict: the SHA-256 of the exact key presented and the principal. Later
 * requests with that key take `verifyCached`, which is synchronous and costs one SHA-256 of the
 * presented key and a constant-time compare (no HMAC, no promise, no allocation but the digest).
 * The verdict never holds the plaintext, lives no longer than the row (TTL), is checked against
 * the key's expiry on every use, and is dropped at once by `revoke` and `invalidate`.
 *
 * Availability over freshness during outages: when the store fails, a key verified before is still
 * served from the cache however stale the entry (its own expiry still applies), so a store outage
 * never turns a working key into a 401; a key never seen before cannot be verified and gets
 * RAGD_ERR_AUTH_UNAVAILABLE (503). Revocation through `revoke` on this process is immediate, even
 * during an outage; revocation by another process is seen within `cacheTtlMs`.
 */
import crypto from 'node:crypto';
import { RagdError } from '../errors/ragd-error.js';
import { API_KEY_PREFIX, KEY_ID_LENGTH, KEY_SECRET_LENGTH, parseApiKey, verifyApiKeySecret } from './api-keys.js';
import { digestStringsEqual } from './constant-time.js';
import type { KeyStore, StoredApiKey } from './key-store.js';
import type { Principal } from './principal.js';

/** How long a found key's row is trusted before it is read again: 60 s bounds cross-process revocation lag. */
export const DEFAULT_KEY_CACHE_TTL_MS = 60_000;
/** How long "no such key" is remembered: 5 s, short so a key created elsewhere works almost at once. */
export const DEFAULT_KEY_NEGATIVE_TTL_MS = 5_000;
/** Cache entries at most (LRU). 10,000 rows of ~300 bytes is ~3 MB. */
export const DEFAULT_KEY_CACHE_MAX_ENTRIES = 10_000;
/**
 * A cached hit moves its entry to the LRU's young end at most this often: 1 s keeps the order
 * right to the second (eviction needs 10,000 other keys in between) while most hits do no Map churn.
 */
const LRU_TOUCH_INTERVAL_MS = 1_000;
/** Length of every well-formed key: `ragd_` + id + secret. */
const API_KEY_LENGTH = API_KEY_PREFIX.length + KEY_ID_LENGTH + KEY_SECRET_LENGTH;

export interface ApiKeyVerifierOptions {
  store: KeyStore;
  /** Defaults to {@link DEFAULT_KEY_CACHE_TTL_MS}. */
  cacheTtlMs?: number;
  /** Defaults to {@link DEFAULT_KEY_NEGATIVE_TTL_MS}. */
  negativeTtlMs?: number;
  /** Defaults to {@link DEFAULT_KEY_CACHE_MAX_ENTRIES}. */
  maxEntries?: number;
  /** Clock, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** Told about every failed store read (e.g. to log it); the verifier keeps serving from cache. */
  onStoreError?: (err: unknown) => void;
}

interface Entry {
  /** `null`: the store said there is no such key. */
  key: StoredApiKey | null;
  fetchedAt: number;
  /** When the entry last moved to the LRU's young end. */
  touchedAt: number;
  /** Set once a presented key verified against `key`; see the module comment. */
  verdict?: Verdict | undefined;
}

interface Verdict {
  /** SHA-256 of the full presented key, as a binary string. */
  digest: string;
  principal: Principal;
  expiresAt: number | undefined;
}

/** SHA-256 as a binary string (one char per byte): the cheapest one-shot digest Node offers (~0.25 µs). */
function keyDigest(presented: string): string {
  return crypto.hash('sha256', presented, 'binary');
}

const INVALID = 'invalid API key';

export class ApiKeyVerifier {
  private readonly store: KeyStore;
  private readonly ttl: number;
  private readonly negativeTtl: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly onStoreError: (err: unknown) => void;
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<StoredApiKey | undefined>>();
  /** Bumped by every invalidation, so a read that started before it cannot write back a stale row. */
  private generation = 0;

  constructor(options: ApiKeyVerifierOptions) {
    this.store = options.store;
    this.ttl = options.cacheTtlMs ?? DEFAULT_KEY_CACHE_TTL_MS;
    this.negativeTtl = options.negativeTtlMs ?? DEFAULT_KEY_NEGATIVE_TTL_MS;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_KEY_CACHE_MAX_ENTRIES);
    this.now = options.now ?? Date.now;
    this.onStoreError = options.onStoreError ?? (() => {});
  }

  /** Entries currently cached. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * The principal of a presented key.
   * @throws RAGD_ERR_UNAUTHORIZED for a malformed, unknown, wrong, expired or revoked key;
   *   RAGD_ERR_AUTH_UNAVAILABLE when the store fails and the key is not in the cache.
   */
  async verify(presented: string): Promise<Principal> {
    const parsed = parseApiKey(presented);
    if (!parsed) throw new RagdError('RAGD_ERR_UNAUTHORIZED', INVALID);
    const key = await this.lookup(parsed.id);
    // Unknown id and wrong secret answer alike: the caller learns nothing about which ids exist.
    if (!key || !verifyApiKeySecret(parsed.id, parsed.secret, key.salt, key.hash)) {
      throw new RagdError('RAGD_ERR_UNAUTHORIZED', INVALID);
    }
    // Only a holder of the real secret gets here, so naming the reason leaks nothing.
    if (key.revokedAt !== undefined) throw new RagdError('RAGD_ERR_UNAUTHORIZED', 'API key has been revoked');
    if (key.expiresAt !== undefined && this.now() >= key.expiresAt) throw new RagdError('RAGD_ERR_UNAUTHORIZED', 'API key has expired');
    const principal: Principal = Object.freeze({
      kind: 'api_key',
      id: key.id,
      name: key.name,
      tenant: key.tenant,
      scopes: Object.freeze([...key.scopes]),
      ...(key.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: key.rateLimitPerMinute } : {}),
    });
    // Remembered only on the entry that holds this very row: not on one reloaded, revoked or evicted meanwhile.
    const entry = this.cache.get(parsed.id);
    if (entry?.key === key) entry.verdict = { digest: keyDigest(presented), principal, expiresAt: key.expiresAt };
    return principal;
  }

  /**
   * The principal of `presented` when this exact key verified before and its verdict still holds:
   * the row is within its TTL, the key is not expired, and this process has not revoked or
   * invalidated it since. `undefined` otherwise, including for every error case: then call
   * {@link verify}, which reads the store if needed and throws the precise error. Never throws.
   */
  verifyCached(presented: string): Principal | undefined {
    if (presented.length !== API_KEY_LENGTH) return undefined;
    const id = presented.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + KEY_ID_LENGTH);
    const entry = this.cache.get(id);
    const verdict = entry?.verdict;
    if (entry === undefined || verdict === undefined) return undefined;
    const now = this.now();
    if (now - entry.fetchedAt >= this.ttl) return undefined;
    if (verdict.expiresAt !== undefined && now >= verdict.expiresAt) return undefined;
    // A match means `presented` is byte for byte the key that verified (SHA-256 collisions aside).
    if (!digestStringsEqual(keyDigest(presented), verdict.digest)) return undefined;
    if (now - entry.touchedAt >= LRU_TOUCH_INTERVAL_MS) this.touch(id, entry);
    return verdict.principal;
  }

  /**
   * Revokes in the store and at once in this process's cache (also when the store write fails, so
   * this process stops honouring the key either way).
   * @returns whether the store revoked an active key.
   */
  async revoke(id: string): Promise<boolean> {
    try {
      return await this.store.revoke(id);
    } finally {
      this.markRevoked(id);
    }
  }

  /** Forgets the cached row (and verdict) of `id`; the next request reads the store. */
  invalidate(id: string): void {
    this.generation++;
    this.cache.delete(id);
  }

  private markRevoked(id: string): void {
    this.generation++;
    const entry = this.cache.get(id);
    if (entry?.key) {
      entry.key = { ...entry.key, revokedAt: entry.key.revokedAt ?? this.now() };
      entry.verdict = undefined;
    } else this.cache.delete(id);
  }

  private async lookup(id: string): Promise<StoredApiKey | undefined> {
    const now = this.now();
    const entry = this.cache.get(id);
    if (entry && now - entry.fetchedAt < (entry.key ? this.ttl : this.negativeTtl)) {
      this.touch(id, entry);
      return entry.key ?? undefined;
    }
    try {
      return await this.load(id);
    } catch (err) {
      this.onStoreError(err);
      const stale = this.cache.get(id);
      if (stale?.key) return stale.key;
      throw new RagdError('RAGD_ERR_AUTH_UNAVAILABLE', 'API key store unavailable; this key cannot be verified right now', { cause: err });
    }
  }

  /** One store read per id at a time (single flight); the result is cached unless invalidated meanwhile. */
  private load(id: string): Promise<StoredApiKey | undefined> {
    let p = this.pending.get(id);
    if (!p) {
      const generation = this.generation;
      p = this.store.findByPrefix(id).then(
        (key) => {
          this.pending.delete(id);
          if (generation === this.generation) {
            const now = this.now();
            this.touch(id, { key: key ?? null, fetchedAt: now, touchedAt: now });
          }
          return key;
        },
        (err: unknown) => {
          this.pending.delete(id);
          throw err;
        },
      );
      this.pending.set(id, p);
    }
    return p;
  }

  private touch(id: string, entry: Entry): void {
    entry.touchedAt = this.now();
    this.cache.delete(id);
    this.cache.set(id, entry);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}
