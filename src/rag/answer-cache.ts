/**
 * The answer cache in front of /api/v1/rag/query: an exact cache (memory -> Redis -> SQLite tiers
 * with single-flight, XFetch early refresh, a Redis refresh lock and serve-stale-on-error) and a
 * semantic cache (near-identical questions, hard-partitioned and guarded), plus the embedding cache
 * the semantic lookup and the retriever share.
 *
 * Correctness first: keys and partitions include the tenant, collection and its version, the
 * embedder and generator models and parameters, mode, topK and filter, so an answer is never served
 * to another tenant, model or corpus version. Degraded answers are never cached; when a recompute
 * would degrade (generator down) and a recent answer exists, that answer is served marked `stale`.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CachedCompute, type ComputePolicy } from '../cache/cached-compute.js';
import { answerCacheKey, collectionTag, normaliseQuery, semanticPartitionKey, type AnswerKeyInput } from '../cache/cache-key.js';
import type { CacheEvents } from '../cache/cache-events.js';
import { DEFAULT_MAX_STALE_MS } from '../cache/defaults.js';
import { EmbeddingCache } from '../cache/embedding-cache.js';
import { MemoryStore } from '../cache/memory-store.js';
import { RedisLock } from '../cache/redis-lock.js';
import { RedisStore } from '../cache/redis-store.js';
import { SemanticCache } from '../cache/semantic-cache.js';
import { SqlStore } from '../cache/sql-store.js';
import { TieredCache, type CacheTier } from '../cache/tiered-cache.js';
import type { Config } from '../config/config.js';
import { withoutStack } from '../errors/without-stack.js';
import type { Citation, DegradedReason, QueryTimings, RetrievalMode } from './types.js';

export type CacheMode = 'use' | 'bypass' | 'refresh';
export type CacheOutcome = 'miss' | 'exact' | 'semantic' | 'stale';

/** What is cached for one answer: enough to replay it as JSON or as the same SSE events. */
export interface CachedAnswer {
  answer: string;
  deltas: string[];
  citations: Citation[];
  mode: RetrievalMode;
  model: string;
  timings: QueryTimings;
  degraded: boolean;
  reasons: DegradedReason[];
}

export interface CachedLookup {
  value: CachedAnswer;
  cache: CacheOutcome;
}

/**
 * Thrown inside the cached computation so a degraded answer is never stored (and stale may be
 * served). This and SemanticHit are control flow, never reported: built without a stack trace.
 */
class DegradedAnswer extends Error {
  constructor(readonly value: CachedAnswer) {
    super('degraded answer is not cached');
  }
}

/**
 * Thrown inside the cached computation to return a semantic hit without writing it to the exact
 * tiers: the answer is already cached (under its original question), and a write per paraphrase
 * would cost a SQLite insert on the hit path.
 */
class SemanticHit extends Error {
  constructor(readonly value: CachedAnswer) {
    super('semantic hit');
  }
}

export interface AnswerRequest {
  key: AnswerKeyInput;
  question: string;
  mode: CacheMode;
  /** Caller's semantic threshold; only ever raises the configured floor. */
  threshold?: number | undefined;
  /** Embeds the question (cached); undefined when the embedder is unavailable. */
  embed: () => Promise<Float32Array | undefined>;
  /** Computes a fresh answer, reusing the question's embedding when there is one. */
  compute: (queryVector: Float32Array | undefined) => Promise<CachedAnswer>;
  /** Filled in by the cache on first use: the exact-cache key of `key`. */
  exactKey?: string | undefined;
  /**
   * The question's embedding now, without a promise, where it can be had (see Embedder.embedNow):
   * `{ vector }` (undefined when the embedder is unavailable, as `embed` resolves then), or undefined
   * when only `embed` can tell. Once it has answered, `embed` resolves to the same.
   */
  embedNow?(): { vector: Float32Array | undefined } | undefined;
  /** Set by the cache when semanticNow asked the semantic cache and found nothing: `answer` does not ask again. */
  semanticAsked?: boolean | undefined;
}

/** AnswerCache.plan: what computing and storing one answer takes. */
interface AnswerPlan {
  semanticAsked: boolean;
  readonly policy: ComputePolicy;
  readonly compute: () => Promise<CachedAnswer>;
}

export class AnswerCache {
  readonly tiered: TieredCache;
  readonly semantic: SemanticCache | undefined;
  readonly embeddings: EmbeddingCache;
  private readonly cached: CachedCompute;

  constructor(
    private readonly config: Config['cache'],
    dataDir: string,
    events: CacheEvents,
    log: Logger,
    redis: Redis | undefined,
    onSimilarity: (similarity: number) => void,
  ) {
    const tiers: CacheTier[] = [{ name: 'memory', store: new MemoryStore({ maxEntries: config.l1MaxEntries }), ttlMs: config.l1TtlMs }];
    if (redis) tiers.push({ name: 'redis', store: new RedisStore({ client: redis }), ttlMs: config.l2TtlMs });
    tiers.push({ name: 'sql', store: new SqlStore({ path: join(dataDir, 'cache.db'), maxEntries: config.l3MaxEntries, maxAgeMs: config.l3MaxAgeMs }) });
    this.tiered = new TieredCache({ tiers, events });
    this.cached = new CachedCompute({
      cache: this.tiered,
      ...(redis ? { lock: new RedisLock({ client: redis }) } : {}),
      onRefreshError: (err) => {
        // A refresh that found a paraphrase, or would only have produced a degraded answer, keeps the old one.
        if (!(err instanceof SemanticHit) && !(err instanceof DegradedAnswer)) log.warn({ err }, 'background answer refresh failed');
      },
    });
    this.semantic = config.semantic.enabled
      ? new SemanticCache({
          threshold: config.semantic.threshold,
          maxEntries: config.semantic.maxEntries,
          ttlMs: config.semantic.ttlMs,
          shadow: config.semantic.shadow,
          events,
          onSimilarity,
        })
      : undefined;
    this.embeddings = new EmbeddingCache({ events });
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /**
   * A fresh exact hit from the in-process tier, synchronously, or undefined: then call `answer`.
   * The same books as `answer`'s exact hit (hit event, XFetch early refresh in the background);
   * what a miss or a refresh would need (the computation, its tags and policy) is only made when
   * XFetch starts a refresh, and there is no promise: the exact hit is the path most requests of
   * a busy service take (bench/README.md, twelfth session).
   */
  freshExact(req: AnswerRequest): CachedLookup | undefined {
    if (!this.config.enabled || req.mode !== 'use') return undefined;
    const fresh = this.cached.tryFresh<CachedAnswer>(this.exactKey(req), () => this.plan(req));
    return fresh === undefined ? undefined : { value: fresh.value, cache: 'exact' };
  }

  /**
   * A semantic hit without a promise, where one can be had now: a certain exact miss (only
   * in-process tiers can tell), the question embedded now (req.embedNow) and a paraphrase in the
   * semantic cache. Otherwise undefined: then call `answer`, which neither embeds again (the request
   * keeps its embedding) nor asks the semantic cache again (req.semanticAsked). The same books as
   * `answer`'s semantic hit: one exact miss, then the semantic lookup's own events.
   */
  semanticNow(req: AnswerRequest): CachedLookup | undefined {
    if (!this.config.enabled || req.mode !== 'use' || this.semantic === undefined || req.embedNow === undefined) return undefined;
    if (!this.cached.certainMiss(this.exactKey(req))) return undefined;
    const vector = req.embedNow()?.vector;
    if (vector === undefined) return undefined;
    const found = this.paraphrase(req, vector);
    if (found === undefined) {
      req.semanticAsked = true;
      return undefined;
    }
    this.cached.countMiss();
    return { value: found, cache: 'semantic' };
  }

  /** What can be answered now, without a promise: a fresh exact hit, else a semantic hit (semanticNow); undefined: call `answer`. */
  answerNow(req: AnswerRequest): CachedLookup | undefined {
    return this.freshExact(req) ?? this.semanticNow(req);
  }

  async answer(req: AnswerRequest): Promise<CachedLookup> {
    if (!this.config.enabled || req.mode === 'bypass') return { value: await req.compute(undefined), cache: 'miss' };
    const exactKey = this.exactKey(req);
    if (req.mode === 'refresh') {
      const qv = await req.embed();
      const value = await req.compute(qv);
      if (!value.degraded) await this.remember(req, qv, value);
      return { value, cache: 'miss' };
    }
    // The common case, a fresh answer in the memory tier, is served without a promise per tier.
    const fresh = this.freshExact(req);
    if (fresh !== undefined) return fresh;
    const plan = this.plan(req);
    // A certain exact miss (no tier holds the key, nothing in flight for it: only in-process tiers
    // can tell) asks the semantic cache here, so a semantic hit skips single-flight, the tier walk and
    // the SemanticHit throw: 7-8% of a semantic hit's CPU in an A/B run (bench/README.md). Same books: one exact
    // miss, then the semantic lookup's own events. Any other case takes the path below, where compute asks.
    if (this.semantic && req.semanticAsked) {
      // semanticNow asked just now and found nothing: the first compute does not ask again.
      plan.semanticAsked = true;
    } else if (this.semantic && this.cached.certainMiss(exactKey)) {
      const qv = await req.embed();
      if (qv) {
        const found = this.paraphrase(req, qv);
        if (found !== undefined) {
          this.cached.countMiss();
          return { value: found, cache: 'semantic' };
        }
        plan.semanticAsked = true;
      }
    }
    try {
      const res = await this.cached.getOrCompute<CachedAnswer>(exactKey, plan.compute, plan.policy);
      const cache: CacheOutcome = res.status === 'hit' ? 'exact' : res.status === 'stale' ? 'stale' : 'miss';
      return { value: res.value, cache };
    } catch (err) {
      if (err instanceof SemanticHit) return { value: err.value, cache: 'semantic' };
      if (err instanceof DegradedAnswer) return { value: err.value, cache: 'miss' };
      throw err;
    }
  }

  /** The request's exact-cache key, computed once per request (freshExact, then answer on a miss). */
  private exactKey(req: AnswerRequest): string {
    return (req.exactKey ??= answerCacheKey(req.key));
  }

  /** How a miss (or an early refresh) computes and stores the answer: the computation, its tags and policy. */
  private plan(req: AnswerRequest): AnswerPlan {
    const tags = [collectionTag(req.key.tenant, req.key.collection)];
    const plan: AnswerPlan = {
      // Set when the semantic cache was asked just before getOrCompute; its first compute does not ask again.
      semanticAsked: false,
      policy: { tags, ttlMs: this.config.l2TtlMs },
      compute: async (): Promise<CachedAnswer> => {
        const qv = this.semantic ? await req.embed() : undefined;
        if (qv && this.semantic && !plan.semanticAsked) {
          const found = this.paraphrase(req, qv);
          if (found !== undefined) throw withoutStack(() => new SemanticHit(found));
        }
        plan.semanticAsked = false;
        const value = await req.compute(qv);
        if (value.degraded) throw withoutStack(() => new DegradedAnswer(value));
        if (qv) this.semantic?.store(semanticPartitionKey(req.key), req.question, qv, value, { tags });
        return value;
      },
    };
    return plan;
  }

  /**
   * The semantic cache's answer to a paraphrase of `req`'s question, or undefined. Its own earlier
   * entry is not a paraphrase: an expired or refreshing answer is recomputed.
   */
  private paraphrase(req: AnswerRequest, qv: Float32Array): CachedAnswer | undefined {
    const found = this.semantic!.lookup<CachedAnswer>(semanticPartitionKey(req.key), req.question, qv, threshold(req.threshold));
    return found.hit && normaliseQuery(found.cachedQuestion) !== normaliseQuery(req.question) ? found.value : undefined;
  }

  /** A cached answer for a streaming request, or undefined (stream it live, then `remember`). */
  async peek(req: AnswerRequest): Promise<CachedLookup | undefined> {
    if (!this.config.enabled || req.mode !== 'use') return undefined;
    const hit = await this.tiered.get(answerCacheKey(req.key));
    if (hit && hit.entry.expiresAt > this.tiered.now()) return { value: hit.entry.value as CachedAnswer, cache: 'exact' };
    if (!this.semantic) return undefined;
    const qv = await req.embed();
    if (!qv) return undefined;
    const found = this.semantic.lookup<CachedAnswer>(semanticPartitionKey(req.key), req.question, qv, threshold(req.threshold));
    return found.hit ? { value: found.value, cache: 'semantic' } : undefined;
  }

  /** Stores a cleanly finished, non-degraded answer (e.g. after a live stream). */
  async remember(req: AnswerRequest, qv: Float32Array | undefined, value: CachedAnswer): Promise<void> {
    if (!this.config.enabled || req.mode === 'bypass' || value.degraded) return;
    const now = this.tiered.now();
    const tags = [collectionTag(req.key.tenant, req.key.collection)];
    await this.tiered.set(answerCacheKey(req.key), {
      value,
      storedAt: now,
      expiresAt: now + this.config.l2TtlMs,
      keepUntil: now + this.config.l2TtlMs + DEFAULT_MAX_STALE_MS,
      delta: value.timings.totalMs,
      tags,
    });
    if (qv) this.semantic?.store(semanticPartitionKey(req.key), req.question, qv, value, { tags });
  }

  /** Drops every cached answer of a collection (all tiers this process reaches, and the semantic cache). */
  async purge(tenant: string, collection: string): Promise<{ exact: number; semantic: number }> {
    const tag = collectionTag(tenant, collection);
    const tiers = await this.tiered.purgeTag(tag);
    const semantic = this.semantic?.purgeTag(tag) ?? 0;
    return { exact: tiers.reduce((n, t) => n + (t.removed ?? 0), 0), semantic };
  }

  async close(): Promise<void> {
    await this.cached.settled();
    await this.tiered.close();
  }
}

function threshold(requested: number | undefined): { threshold?: number } {
  return requested === undefined ? {} : { threshold: requested };
}
