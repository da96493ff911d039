/**
 * SemanticCache: serves a cached answer to a new question whose embedding is close enough to a
 * cached question's, within one hard partition (see semanticPartitionKey: tenant, collection and
 * version, models and generator parameters, mode, filter, topK), never across partitions.
 *
 * A hit needs cosine >= the threshold (a floor the caller may raise per request, never lower) and
 * the guards of semantic-guards.ts to pass. Shadow mode runs every lookup and records would-be hits
 * without serving them, to measure precision before switching on. Entries are bounded by one LRU
 * (lru-cache) across all partitions plus a TTL; eviction removes them from the partition's ANN index
 * (semantic-index.ts), and an emptied partition drops its index. The cache embeds nothing itself.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from './cache-store.js';
import { NOOP_CACHE_EVENTS, type CacheEvents } from './cache-events.js';
import { guardFeatures, guardMismatches, type GuardFeatures, type GuardReason } from './semantic-guards.js';
import { AnnIndex, type AnnIndexOptions } from './semantic-index.js';
import { normaliseQuery } from './cache-key.js';
import {
  DEFAULT_SEMANTIC_CANDIDATES,
  DEFAULT_SEMANTIC_MAX_ENTRIES,
  DEFAULT_SEMANTIC_THRESHOLD,
  DEFAULT_SEMANTIC_TTL_MS,
} from './defaults.js';

export interface SemanticCacheOptions {
  /** Similarity floor (cosine). Defaults to DEFAULT_SEMANTIC_THRESHOLD (0.95). */
  threshold?: number;
  /** Entries across all partitions. Defaults to DEFAULT_SEMANTIC_MAX_ENTRIES (1,000). */
  maxEntries?: number;
  /** Defaults to DEFAULT_SEMANTIC_TTL_MS (1 h). */
  ttlMs?: number;
  /** Record would-be hits without serving them. Defaults to false. */
  shadow?: boolean;
  /** Nearest cached questions examined per lookup. Defaults to DEFAULT_SEMANTIC_CANDIDATES (4). */
  candidates?: number;
  /** HNSW parameters and compaction scheduling for each partition's index. */
  index?: Omit<AnnIndexOptions, 'dimensions'>;
  /** Epoch ms. Defaults to Date.now. */
  now?: Clock;
  events?: CacheEvents;
  /** Best similarity of every lookup that found a candidate: feed a `semantic_cache_similarity` histogram. */
  onSimilarity?: (similarity: number) => void;
  /** Every would-be hit in shadow mode, for logging. */
  onShadow?: (record: ShadowRecord) => void;
}

export interface SemanticLookupOptions {
  /** Similarity required for this request; values below the configured floor are raised to it. */
  threshold?: number;
}

export type SemanticMissReason = 'empty' | 'below-threshold' | 'guards' | 'shadow' | 'dimension-mismatch';

export type SemanticLookup<V> =
  | { hit: true; value: V; similarity: number; cachedQuestion: string }
  | { hit: false; reason: SemanticMissReason; similarity?: number; guardReasons?: GuardReason[] };

export interface ShadowRecord {
  partition: string;
  question: string;
  cachedQuestion: string;
  similarity: number;
  guardsPassed: boolean;
  guardReasons: GuardReason[];
}

export interface SemanticStoreOptions {
  /** Tags for purgeTag, e.g. collectionTag(tenant, collection). Kept per partition. */
  tags?: readonly string[];
  /** Overrides the TTL for this entry, ms. */
  ttlMs?: number;
}

export interface SemanticCacheStats {
  size: number;
  partitions: number;
  lookups: number;
  hits: number;
  /** hits / lookups, 0 before the first lookup. */
  hitRate: number;
  guardRejections: Record<GuardReason, number>;
  shadow: { enabled: boolean; wouldBeHits: number; wouldBeHitsGuardsPassed: number };
  threshold: number;
}

interface Entry {
  partition: string;
  question: string;
  features: GuardFeatures;
  value: unknown;
  expiresAt: number;
}

interface Partition {
  index: AnnIndex;
  ids: Set<number>;
  /** Normalised question -> id, so storing a question again replaces it. */
  byQuestion: Map<string, number>;
  tags: Set<string>;
}

export class SemanticCache {
  readonly threshold: number;
  private readonly opts: SemanticCacheOptions;
  private readonly now: Clock;
  private readonly events: CacheEvents;
  private readonly ttlMs: number;
  private readonly candidates: number;
  private readonly entries: LRUCache<number, Entry>;
  private readonly partitions = new Map<string, Partition>();
  private nextId = 1;
  private counts = { lookups: 0, hits: 0, shadowHits: 0, shadowPassed: 0 };
  private readonly rejections: Record<GuardReason, number> = { numbers: 0, negation: 0, entities: 0 };

  constructor(options: SemanticCacheOptions = {}) {
    this.opts = options;
    this.threshold = options.threshold ?? DEFAULT_SEMANTIC_THRESHOLD;
    this.now = options.now ?? Date.now;
    this.events = options.events ?? NOOP_CACHE_EVENTS;
    this.ttlMs = options.ttlMs ?? DEFAULT_SEMANTIC_TTL_MS;
    this.candidates = Math.max(1, options.candidates ?? DEFAULT_SEMANTIC_CANDIDATES);
    const now = this.now;
    this.entries = new LRUCache<number, Entry>({
      max: options.maxEntries ?? DEFAULT_SEMANTIC_MAX_ENTRIES,
      ttl: this.ttlMs,
      perf: { now },
      ttlResolution: 0,
      ttlAutopurge: false,
      dispose: (entry, id, reason) => {
        this.unlink(entry, id);
        if (reason === 'evict') this.events.eviction('semantic', 1, 'capacity');
        else if (reason === 'expire') this.events.eviction('semantic', 1, 'expired');
      },
    });
  }

  /** Looks up `question` (with its embedding) in `partition`. Synchronous: no I/O. */
  lookup<V = unknown>(partition: string, question: string, embedding: Float32Array, options: SemanticLookupOptions = {}): SemanticLookup<V> {
    this.counts.lookups++;
    const result = this.find<V>(partition, question, embedding, options);
    if (result.hit) {
      this.counts.hits++;
      this.events.hit('semantic', 'semantic');
    } else {
      this.events.miss('semantic');
    }
    return result;
  }

  /**
   * Caches `value` as the answer to `question` in `partition`, replacing an earlier entry for the
   * same question. Returns false (and stores nothing) for a zero or non-finite embedding.
   */
  store(partition: string, question: string, embedding: Float32Array, value: unknown, options: SemanticStoreOptions = {}): boolean {
    if (!isUsable(embedding)) return false;
    const normalised = normaliseQuery(question);
    let p = this.partitions.get(partition);
    if (p !== undefined && p.index.dimensions !== embedding.length) {
      this.invalidatePartition(partition);
    } else if (p !== undefined) {
      // Replacing may empty (and so drop) the partition: look it up again afterwards.
      const previous = p.byQuestion.get(normalised);
      if (previous !== undefined) this.entries.delete(previous);
    }
    p = this.partitions.get(partition);
    if (p === undefined) {
      p = { index: new AnnIndex({ ...this.opts.index, dimensions: embedding.length }), ids: new Set(), byQuestion: new Map(), tags: new Set() };
      this.partitions.set(partition, p);
    }
    const id = this.nextId++;
    const ttl = options.ttlMs ?? this.ttlMs;
    p.index.add(id, embedding);
    p.ids.add(id);
    p.byQuestion.set(normalised, id);
    for (const tag of options.tags ?? []) p.tags.add(tag);
    this.entries.set(id, { partition, question, features: guardFeatures(question), value, expiresAt: this.now() + ttl }, { ttl });
    return true;
  }

  /** Drops every entry of `partition`; returns how many. */
  invalidatePartition(partition: string): number {
    const p = this.partitions.get(partition);
    if (p === undefined) return 0;
    this.partitions.delete(partition);
    const ids = [...p.ids];
    for (const id of ids) this.entries.delete(id);
    return ids.length;
  }

  /** Drops every partition stored with `tag` (e.g. a collection's tag); returns entries removed. */
  purgeTag(tag: string): number {
    let removed = 0;
    for (const [key, p] of [...this.partitions]) if (p.tags.has(tag)) removed += this.invalidatePartition(key);
    return removed;
  }

  /** Removes expired entries now (they are otherwise removed when met or pushed out by the LRU). */
  prune(): void {
    this.entries.purgeStale();
  }

  stats(): SemanticCacheStats {
    const { lookups, hits, shadowHits, shadowPassed } = this.counts;
    return {
      size: this.entries.size,
      partitions: this.partitions.size,
      lookups,
      hits,
      hitRate: lookups === 0 ? 0 : hits / lookups,
      guardRejections: { ...this.rejections },
      shadow: { enabled: this.opts.shadow === true, wouldBeHits: shadowHits, wouldBeHitsGuardsPassed: shadowPassed },
      threshold: this.threshold,
    };
  }

  private find<V>(partition: string, question: string, embedding: Float32Array, options: SemanticLookupOptions): SemanticLookup<V> {
    const p = this.partitions.get(partition);
    if (p === undefined) return { hit: false, reason: 'empty' };
    if (embedding.length !== p.index.dimensions) return { hit: false, reason: 'dimension-mismatch' };
    const matches = p.index.search(embedding, this.candidates);
    if (matches.length === 0) return { hit: false, reason: 'empty' };
    const best = matches[0]!.similarity;
    this.opts.onSimilarity?.(best);
    const threshold = Math.max(this.threshold, options.threshold ?? this.threshold);
    const now = this.now();
    let features: GuardFeatures | undefined;
    let rejected: { entry: Entry; similarity: number; reasons: GuardReason[] } | undefined;
    for (const match of matches) {
      if (match.similarity < threshold) break;
      const entry = this.entries.peek(match.id);
      if (entry === undefined || entry.expiresAt <= now) {
        this.entries.delete(match.id);
        continue;
      }
      features ??= guardFeatures(question);
      const reasons = guardMismatches(features, entry.features);
      if (reasons.length > 0) {
        rejected ??= { entry, similarity: match.similarity, reasons };
        continue;
      }
      if (this.opts.shadow === true) {
        this.recordShadow(partition, question, entry, match.similarity, []);
        return { hit: false, reason: 'shadow', similarity: match.similarity };
      }
      this.entries.get(match.id); // refresh recency only for what is served
      return { hit: true, value: entry.value as V, similarity: match.similarity, cachedQuestion: entry.question };
    }
    if (rejected === undefined) return { hit: false, reason: 'below-threshold', similarity: best };
    for (const reason of rejected.reasons) this.rejections[reason]++;
    if (this.opts.shadow === true) this.recordShadow(partition, question, rejected.entry, rejected.similarity, rejected.reasons);
    return { hit: false, reason: 'guards', similarity: rejected.similarity, guardReasons: rejected.reasons };
  }

  private recordShadow(partition: string, question: string, entry: Entry, similarity: number, reasons: GuardReason[]): void {
    this.counts.shadowHits++;
    if (reasons.length === 0) this.counts.shadowPassed++;
    this.opts.onShadow?.({ partition, question, cachedQuestion: entry.question, similarity, guardsPassed: reasons.length === 0, guardReasons: reasons });
  }

  private unlink(entry: Entry, id: number): void {
    const p = this.partitions.get(entry.partition);
    if (p === undefined || !p.ids.delete(id)) return;
    p.index.delete(id);
    const normalised = normaliseQuery(entry.question);
    if (p.byQuestion.get(normalised) === id) p.byQuestion.delete(normalised);
    if (p.ids.size === 0) this.partitions.delete(entry.partition);
  }
}

/** A vector the index can hold: finite components, not all zero. */
function isUsable(v: Float32Array): boolean {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  return norm > 0 && Number.isFinite(norm);
}
