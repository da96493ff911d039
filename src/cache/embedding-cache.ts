/**
 * EmbeddingCache: (model, text) -> vector, so a text is embedded once per model. Backed by
 * any CacheStore, where vectors are stored as base64 of their f32 bytes so the same cache works on
 * Redis and SQLite; by default by an in-process LRU (lru-cache) of the vectors themselves, read
 * synchronously, since base64 and the CacheStore promise per read cost more than the lookup (a
 * question's embedding is looked up on every /query that misses the exact cache). Every read
 * returns a fresh array the caller may mutate.
 */
import { LRUCache } from 'lru-cache';
import type { CacheStore, Clock } from './cache-store.js';
import { NOOP_CACHE_EVENTS, type CacheEvents } from './cache-events.js';
import { embeddingCacheKey } from './cache-key.js';
import { sha256Hex } from './canonical-json.js';
import { DEFAULT_EMBEDDING_MAX_BYTES, DEFAULT_EMBEDDING_MAX_ENTRIES, DEFAULT_EMBEDDING_TTL_MS } from './defaults.js';

/** Embeds a batch, returning one vector per text in order. */
export type EmbedFn = (texts: string[]) => Promise<Float32Array[]>;

export interface EmbeddingCacheOptions {
  /** A shared or persistent store. Defaults to an in-process LRU of `maxEntries` / `maxBytes`. */
  store?: CacheStore;
  /** Bound of the default in-process LRU. Defaults to DEFAULT_EMBEDDING_MAX_ENTRIES (10,000). */
  maxEntries?: number;
  /** Byte bound of the default in-process LRU (vectors and keys). Defaults to DEFAULT_EMBEDDING_MAX_BYTES (64 MB). */
  maxBytes?: number;
  /** Name of the store in events. Defaults to `memory`. */
  tierName?: string;
  /** Defaults to DEFAULT_EMBEDDING_TTL_MS (24 h). */
  ttlMs?: number;
  events?: CacheEvents;
  /** Epoch ms. Defaults to Date.now. */
  now?: Clock;
}

/**
 * Longest text the in-process LRU keys by the text itself (keyOf): a question is far shorter; a
 * chunk may not be, and above this its key is hashed (the LRU's byte bound counts keys either way).
 */
const RAW_KEY_MAX_CHARS = 1024;

/** Per-entry bookkeeping in the in-process LRU, bytes, on top of key and vector. */
const ENTRY_OVERHEAD_BYTES = 128;

/** An in-process entry; `keepUntil` as in CacheEntry (lru-cache's own TTL keeps an entry through its last millisecond). */
interface VectorEntry {
  readonly vector: Float32Array;
  readonly keepUntil: number;
}

export class EmbeddingCache {
  /** The CacheStore given, or undefined for the default in-process LRU (`vectors`). */
  private readonly store: CacheStore | undefined;
  private readonly vectors: LRUCache<string, VectorEntry> | undefined;
  private readonly tier: string;
  private readonly ttlMs: number;
  private readonly events: CacheEvents;
  private readonly now: Clock;

  constructor(options: EmbeddingCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.tier = options.tierName ?? 'memory';
    this.ttlMs = options.ttlMs ?? DEFAULT_EMBEDDING_TTL_MS;
    this.events = options.events ?? NOOP_CACHE_EVENTS;
    this.store = options.store;
    if (this.store !== undefined) {
      this.store.onEvict((count, reason) => this.events.eviction(this.tier, count, reason));
      return;
    }
    const now = this.now;
    this.vectors = new LRUCache<string, VectorEntry>({
      max: options.maxEntries ?? DEFAULT_EMBEDDING_MAX_ENTRIES,
      maxSize: options.maxBytes ?? DEFAULT_EMBEDDING_MAX_BYTES,
      sizeCalculation: (entry, key) => entry.vector.byteLength + key.length * 2 + ENTRY_OVERHEAD_BYTES,
      ttl: this.ttlMs,
      // lru-cache reads time through `perf`; 0 resolution stops it caching `now` behind a timer.
      perf: { now },
      ttlResolution: 0,
      ttlAutopurge: false,
      dispose: (_vector, _key, reason) => {
        if (reason === 'evict') this.events.eviction(this.tier, 1, 'capacity');
        else if (reason === 'expire') this.events.eviction(this.tier, 1, 'expired');
      },
    });
  }

  /**
   * Vectors for `texts` in order. `embedFn` is called at most once, with only the distinct texts not
   * cached (in first-seen order); a store failure counts as a miss. Rejects with `embedFn`'s error,
   * or with a TypeError when it returns the wrong number of vectors.
   */
  async embedMany(texts: readonly string[], model: string, embedFn: EmbedFn): Promise<Float32Array[]> {
    if (texts.length === 1) return [await this.embedOne(texts[0]!, model, embedFn)];
    const keys = texts.map((text) => this.keyOf(model, text));
    const distinct = new Map<string, string>();
    for (let i = 0; i < texts.length; i++) if (!distinct.has(keys[i]!)) distinct.set(keys[i]!, texts[i]!);
    const cached = await Promise.all([...distinct.keys()].map((key) => this.read(key)));
    const found = new Map<string, Float32Array>();
    const missing = new Map<string, string>();
    let j = 0;
    for (const [key, text] of distinct) {
      const vector = cached[j++];
      if (vector === undefined) {
        this.events.miss('embedding');
        missing.set(key, text);
      } else {
        this.events.hit(this.tier, 'embedding');
        found.set(key, vector);
      }
    }
    if (missing.size > 0) {
      const batch = [...missing.values()];
      const vectors = await embedFn(batch);
      if (vectors.length !== batch.length) {
        throw new TypeError(`embedFn returned ${vectors.length} vectors for ${batch.length} texts`);
      }
      const missingKeys = [...missing.keys()];
      missingKeys.forEach((key, i) => found.set(key, vectors[i]!));
      await Promise.all(missingKeys.map((key, i) => this.write(key, vectors[i]!)));
    }
    // Each position gets its own copy, so callers may mutate results freely.
    return keys.map((key) => new Float32Array(found.get(key)!));
  }

  /**
   * embedMany for one text without a promise, where it can be had now: from the in-process LRU, or
   * from `embedNow` (an Embedder's `embedNow`). Undefined, having counted nothing, when it cannot (a
   * shared store, or `embedNow` cannot run now): then call embedMany. Throws what `embedNow` throws
   * (counted as a miss, as embedMany counts it).
   */
  embedOneNow(text: string, model: string, embedNow: (texts: string[]) => { vectors: Float32Array[] } | undefined): Float32Array | undefined {
    if (this.vectors === undefined) return undefined;
    const key = this.keyOf(model, text);
    const cached = this.readMemory(key);
    if (cached !== undefined) {
      this.events.hit(this.tier, 'embedding');
      return new Float32Array(cached);
    }
    let ran: { vectors: Float32Array[] } | undefined;
    try {
      ran = embedNow([text]);
    } catch (err) {
      this.events.miss('embedding');
      throw err;
    }
    if (ran === undefined) return undefined;
    this.events.miss('embedding');
    const vector = ran.vectors[0];
    if (ran.vectors.length !== 1 || vector === undefined) throw new TypeError(`embedNow returned ${ran.vectors.length} vectors for 1 texts`);
    // As in embedOne: the LRU keeps its own copy, the embedder's array goes to the caller.
    this.vectors.set(key, { vector: new Float32Array(vector), keepUntil: this.now() + this.ttlMs });
    return vector;
  }

  /** embedMany for one text (a question): the same result and events without the batch bookkeeping. */
  private async embedOne(text: string, model: string, embedFn: EmbedFn): Promise<Float32Array> {
    const key = this.keyOf(model, text);
    const cached = this.vectors !== undefined ? this.readMemory(key) : await this.read(key);
    if (cached !== undefined) {
      this.events.hit(this.tier, 'embedding');
      return new Float32Array(cached);
    }
    this.events.miss('embedding');
    const vectors = await embedFn([text]);
    if (vectors.length !== 1) throw new TypeError(`embedFn returned ${vectors.length} vectors for 1 texts`);
    // The cache keeps its own copy (write), so the embedder's array can go to the caller as it is.
    await this.write(key, vectors[0]!);
    return vectors[0]!;
  }

  /**
   * The entry key of (model, text). A store gets `emb:v1:<model>:<sha256 of the text>` (bounded, and
   * what other replicas compute); the in-process LRU, for texts up to RAW_KEY_MAX_CHARS, the text
   * itself after a NUL (which no hashed key starts with) and the length-prefixed model, so no model
   * name or text can imitate another pair. A Map compares strings exactly, so hashing buys nothing
   * there, and the SHA-256 was ~2 µs of every question's lookup.
   */
  private keyOf(model: string, text: string): string {
    return this.vectors !== undefined && text.length <= RAW_KEY_MAX_CHARS ? `\u0000${model.length}:${model}${text}` : embeddingCacheKey(model, sha256Hex(text));
  }

  private readMemory(key: string): Float32Array | undefined {
    const entry = this.vectors!.get(key);
    if (entry === undefined) return undefined;
    if (this.now() < entry.keepUntil) return entry.vector;
    this.vectors!.delete(key);
    this.events.eviction(this.tier, 1, 'expired');
    return undefined;
  }

  private async read(key: string): Promise<Float32Array | undefined> {
    if (this.vectors !== undefined) return this.readMemory(key);
    if (this.store === undefined) return undefined;
    try {
      const entry = await this.store.get(key);
      return typeof entry?.value === 'string' ? decodeVector(entry.value) : undefined;
    } catch (err) {
      this.events.error(this.tier, err);
      return undefined;
    }
  }

  private async write(key: string, vector: Float32Array): Promise<void> {
    if (this.vectors !== undefined) {
      // A copy: the embedder's array may be handed to the caller, who may mutate it.
      this.vectors.set(key, { vector: new Float32Array(vector), keepUntil: this.now() + this.ttlMs });
      return;
    }
    if (this.store === undefined) return;
    const now = this.now();
    try {
      await this.store.set(key, {
        value: encodeVector(vector),
        storedAt: now,
        expiresAt: now + this.ttlMs,
        keepUntil: now + this.ttlMs,
        delta: 0,
        tags: [],
      });
    } catch (err) {
      this.events.error(this.tier, err);
    }
  }
}

/** Base64 of the vector's f32 bytes in platform order (little-endian on every platform Node ships for). */
export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

/** Inverse of encodeVector; undefined when the text is not a whole number of f32 values. */
export function decodeVector(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) return undefined;
  // Copy into a fresh, aligned buffer: Buffer.from may return a view into a shared pool.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
