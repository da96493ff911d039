/**
 * The composition root: builds every dependency from the validated config, in one place, and owns
 * their lifecycle (start: open the store, load/verify the indexes; close: snapshot the indexes,
 * close the store and connection pools). Routes and the CLI receive a Runtime, never globals.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { RagdError } from './errors/ragd-error.js';
import type { Embedder } from './providers/embedder.js';
import { ExtractiveGenerator } from './providers/extractive/extractive-generator.js';
import { createEmbedder, createGeneratorChain } from './providers/factory.js';
import { ResilientEmbedder } from './providers/resilient-embedder.js';
import { ResilientGenerator } from './providers/resilient-generator.js';
import { FaultInjector } from './resilience/fault-injection.js';
import { ResilienceRegistry } from './resilience/registry.js';
import type { ResilienceConfig } from './resilience/policy.js';
import { subscribeResilienceTelemetry } from './observability/resilience-telemetry.js';
import type { Generator } from './providers/generator.js';
import { ProviderDispatchers } from './providers/http/dispatcher-pool.js';
import type { DeferredObservation } from './observability/response-batch.js';
import { createDisabledMetrics, createMetrics, type Metrics, type PlainHistogram } from './observability/metrics.js';
import type { QueryCacheResult } from './observability/metric-names.js';
import type { QueryDone } from './rag/query-service.js';
import { NOOP_TRACING, createTracing } from './observability/tracing.js';
import { deferredTracing } from './observability/tracing-deferred.js';
import type { Tracing } from './observability/tracing-types.js';
import { createSloTracker, defaultSlos, type SloTracker } from './observability/slo.js';
import { IngestService, type IngestDocument, type IngestOutcome } from './rag/ingest-service.js';
import { QueryService } from './rag/query-service.js';
import { AnswerCache } from './rag/answer-cache.js';
import { cacheMetricsEvents } from './observability/cache-telemetry.js';
import { FAST_FAIL_REDIS_OPTIONS } from './cache/redis-options.js';
import { Redis } from 'ioredis';
import { Retriever } from './rag/retriever.js';
import type { DocumentStore } from './store/document-store.js';
import { IndexManager, type IndexFactories, type StartupReport } from './store/index-manager.js';
import { Bm25Index } from './store/lexical/bm25-index.js';
import { SqliteDocumentStore } from './store/sqlite/sqlite-store.js';
import type { CollectionKey, CollectionRecord, DeleteDocumentResult } from './store/types.js';
import { UsearchVectorIndex } from './store/vector/usearch-index.js';

/** Reported in ragd_build_info; kept in step with package.json by test/unit/docs.test.ts. */
export const RAGD_VERSION = '0.1.0';

/** How long a provider probe result is reused by readiness checks, so probes never hammer a provider. */
const PROBE_CACHE_MS = 5_000;
/** Longest a readiness probe may take. */
const PROBE_TIMEOUT_MS = 2_000;
/**
 * Passive health: a provider that answered a real call this recently counts as up without a probe.
 * 30 s is six probe-cache lifetimes: recent enough to still mean "reachable now", long enough that a
 * busy instance never probes at all.
 */
const PASSIVE_HEALTH_MS = 30_000;

/** Options of the Runtime beyond its config. */
export interface RuntimeOptions {
  /** Use this tracing instead of creating one from RAGD_TRACING / OTEL_* in start() (tests inject an in-memory exporter). */
  tracing?: Tracing;
}

export interface DependencyStatus {
  status: 'up' | 'down';
  latencyMs?: number;
  error?: string;
  [extra: string]: unknown;
}

export interface ReadinessReport {
  ready: boolean;
  status: 'ready' | 'not_ready';
  shuttingDown: boolean;
  /** Why not ready: `shutting_down`, `store_down`, `indexes_down`, `providers_circuit_open`. Empty when ready. */
  reasons: string[];
  dependencies: Record<string, DependencyStatus>;
}

export class Runtime {
  readonly store: DocumentStore;
  readonly indexes: IndexManager;
  readonly dispatchers: ProviderDispatchers;
  readonly embedder: Embedder;
  readonly generator: Generator;
  readonly retriever: Retriever;
  readonly ingestService: IngestService;
  readonly query: QueryService;
  readonly metrics: Metrics;
  readonly resilience: ResilienceRegistry;
  readonly slo: SloTracker;
  readonly answers: AnswerCache;
  /** `rag_query_duration_seconds{stage="total"}`, bound once: every answered query observes it. */
  private readonly totalQueryDuration: PlainHistogram;
  /** The cache's Redis connection (RAGD_REDIS_URL), fast-failing so an outage only skips the tier. */
  private readonly cacheRedis: Redis | undefined;
  /** Set by start(); a no-op (zero overhead) unless RAGD_TRACING or the OTEL_* variables enable it. */
  tracing: Tracing = NOOP_TRACING;
  shuttingDown = false;
  startup: StartupReport | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly probeCache = new Map<string, { at: number; status: DependencyStatus }>();
  /** The latest call outcome per resilience dependency that says something about its health (passive health). */
  private readonly lastOutcome = new Map<string, { at: number; ok: boolean }>();
  /** Applies what servers on this runtime hold back (their response batches); see flushObservations. */
  private readonly observationFlushes = new Set<() => void>();

  constructor(
    readonly config: Config,
    readonly log: Logger,
    private readonly options: RuntimeOptions = {},
  ) {
    const o = config.observability;
    this.metrics = o.metrics ? createMetrics({ version: RAGD_VERSION }) : createDisabledMetrics();
    this.totalQueryDuration = this.metrics.queryDuration.bind({ stage: 'total' });
    this.slo = createSloTracker({
      slos: defaultSlos({ availability: o.slo.availability, p95Ms: o.slo.latencyP95Ms, p99Ms: o.slo.latencyP99Ms }),
      periodDays: o.slo.periodDays,
    });
    // Services are built now, tracing in start(): they trace through whatever start() chose.
    const tracing = deferredTracing(() => this.tracing);
    this.store = new SqliteDocumentStore({ path: join(config.dataDir, 'ragd.db'), synchronous: config.store.sqliteSynchronous });
    const factories: IndexFactories = {
      createVector: (dimensions) =>
        UsearchVectorIndex.create({ dimensions, m: config.index.hnswM, efConstruction: config.index.hnswEfConstruction, efSearch: config.index.hnswEfSearch }),
      loadVector: (path, dimensions) =>
        UsearchVectorIndex.load(path, { dimensions, m: config.index.hnswM, efConstruction: config.index.hnswEfConstruction, efSearch: config.index.hnswEfSearch }),
      createLexical: () => new Bm25Index(),
      loadLexical: (path) => Bm25Index.load(path),
    };
    this.indexes = new IndexManager(this.store, join(config.dataDir, 'indexes'), factories, log.child({ component: 'indexes' }));
    this.dispatchers = new ProviderDispatchers({
      connections: config.http.connections,
      connectionsPerHost: config.http.connectionsPerHost,
      connectTimeoutMs: config.http.connectTimeoutMs,
      readTimeoutMs: config.http.readTimeoutMs,
    });
    this.resilience = new ResilienceRegistry({
      config: resilienceConfig(config),
      faults: new FaultInjector({ enabled: config.resilience.faultInjection }),
      preload: ['embedding', 'vector_search', `generation:${config.generator.kind}`],
    });
    subscribeResilienceTelemetry(this.resilience, o.metrics ? this.metrics : undefined, log.child({ component: 'resilience' }), (read) => this.onFlushObservations(read));
    this.resilience.events.on('callOutcome', (e) => {
      // Cancellations and the provider's 4xx say nothing about whether it is up.
      if (e.outcome !== 'cancelled' && e.outcome !== 'client_error') this.lastOutcome.set(e.name, { at: Date.now(), ok: e.outcome === 'success' });
    });
    this.embedder = new ResilientEmbedder(createEmbedder(config, this.dispatchers, tracing), this.resilience.get('embedding'));
    const chain = createGeneratorChain(config, this.dispatchers, tracing);
    this.generator = chain.length === 1 && chain[0]!.kind === 'extractive' ? chain[0]! : new ResilientGenerator(chain, this.resilience);
    // The last resort when every generator fails before its first token: answer extractively.
    const fallback = chain[0]!.kind === 'extractive' ? chain[0]! : new ExtractiveGenerator();
    this.retriever = new Retriever(this.store, this.indexes, this.embedder, config.retrieval.rrfK, this.resilience.get('vector_search'), tracing);
    this.cacheRedis = config.redis.url ? new Redis(config.redis.url, { ...FAST_FAIL_REDIS_OPTIONS, lazyConnect: false }) : undefined;
    this.cacheRedis?.on('error', (err: Error) => log.debug({ err: err.message }, 'cache redis error'));
    const cacheEvents = cacheMetricsEvents(this.metrics, (tier, err) => log.warn({ tier, err: (err as Error).message }, 'cache tier failed; skipped'));
    this.answers = new AnswerCache(config.cache, config.dataDir, cacheEvents, log.child({ component: 'cache' }), this.cacheRedis, (v) =>
      this.metrics.semanticSimilarity.observe(v),
    );
    // Chunk embeddings are cached by (model, text hash): re-ingesting unchanged chunks skips the embedder.
    this.ingestService = new IngestService(this.store, this.indexes, this.embedder, config.chunking, (texts, signal) =>
      this.answers.embeddings.embedMany(texts, this.embedder.model, (missing) => this.embedder.embed(missing, { signal })),
    );
    this.query = new QueryService(this.store, this.retriever, this.generator, fallback, tracing);
  }

  async start(): Promise<StartupReport> {
    this.tracing =
      this.options.tracing ??
      (await createTracing({
        enabled: this.config.observability.tracing,
        version: RAGD_VERSION,
        // Every span is given its parent (requestSpan, stage spans, CallOptions.parentSpan): no AsyncLocalStorage.
        implicitContext: false,
        onDiagnostic: (m) => this.log.warn({ otel: m }, 'tracing'),
      }));
    await this.store.open();
    this.startup = await this.indexes.start();
    this.saveTimer = setInterval(() => {
      this.indexes.saveAll().catch((err: unknown) => this.log.error({ err }, 'index snapshot failed'));
    }, this.config.store.indexSaveIntervalMs);
    this.saveTimer.unref();
    return this.startup;
  }

  async requireCollection(key: CollectionKey): Promise<CollectionRecord> {
    const c = await this.store.getCollection(key);
    if (!c) throw new RagdError('RAGD_ERR_COLLECTION_NOT_FOUND', `collection '${key.name}' does not exist`, { details: { field: 'collection' } });
    return c;
  }

  async ingest(key: CollectionKey, docs: IngestDocument[], signal: AbortSignal): Promise<IngestOutcome> {
    if (this.shuttingDown) throw new RagdError('RAGD_ERR_SHUTTING_DOWN', 'server is shutting down; retry on another instance');
    const t0 = performance.now();
    try {
      const out = await this.ingestService.ingest(key, docs, signal);
      this.metrics.ingestDocuments.inc(out.documents.filter((d) => !d.unchanged).length);
      this.metrics.ingestChunks.inc(out.chunks);
      this.metrics.ingestDuration.observe((performance.now() - t0) / 1000);
      return out;
    } catch (err) {
      this.metrics.ingestFailures.inc({ reason: (err as { code?: string }).code?.replace(/^RAGD_ERR_/, '').toLowerCase() ?? 'internal' }, docs.length);
      throw err;
    }
  }

  /**
   * Registers `flush`, which applies recorded-but-not-yet-applied observations (a server's response
   * batch, response-batch.ts); returns the function that unregisters it.
   */
  onFlushObservations(flush: () => void): () => void {
    this.observationFlushes.add(flush);
    return () => this.observationFlushes.delete(flush);
  }

  /** Applies every held-back observation: call before reading metrics, SLOs or access lines. */
  flushObservations(): void {
    for (const flush of this.observationFlushes) flush();
  }

  /** recordQuery(done, cache) as an observation to apply later (a response batch applies it with the response's). */
  queryObservation(done: QueryDone, cache: QueryCacheResult): DeferredObservation {
    return new QueryObservation(this, done, cache);
  }

  /** Records a finished query in the metrics (stage latencies, outcome, degraded reasons). */
  recordQuery(done: QueryDone, cache: QueryCacheResult): void {
    const m = this.metrics;
    const t = done.timings;
    if (cache === 'miss' || cache === 'bypass') {
      m.queryDuration.observe({ stage: 'embed' }, t.embedMs / 1000);
      m.queryDuration.observe({ stage: 'search' }, t.searchMs / 1000);
      m.queryDuration.observe({ stage: 'generate' }, t.generateMs / 1000);
    }
    this.totalQueryDuration.observe(t.totalMs / 1000);
    m.queries.inc({ mode: done.mode, cache, degraded: done.degraded });
    for (const reason of done.reasons) m.degradedResponses.inc({ reason });
  }

  async deleteDocument(key: CollectionKey, id: string): Promise<DeleteDocumentResult | undefined> {
    const res = await this.store.deleteDocument(key, id);
    if (res) await this.indexes.catchUp();
    return res;
  }

  /**
   * Readiness with per-dependency detail. Ready = not shutting down, the store answers `select 1`,
   * the indexes are loaded, and not every embedding/generation circuit breaker is open. A provider
   * being down alone does not gate readiness (ragd degrades to lexical search and extractive
   * answers), but with every provider breaker open this instance can only degrade, so traffic is
   * better sent elsewhere. Providers that answered a real call in the last 30 s count as up
   * without a probe (passive health); otherwise their cheap probe runs (Ollama /api/tags, OpenAI
   * /models: never billable), cached for 5 s.
   */
  async readiness(): Promise<ReadinessReport> {
    // Draining: answer at once, without probing anything (load balancers poll this hard then).
    if (this.shuttingDown) return { ready: false, status: 'not_ready', shuttingDown: true, reasons: ['shutting_down'], dependencies: {} };
    const deps: Record<string, DependencyStatus> = {};
    deps.store = await timed(() => this.store.ping());
    deps.indexes = this.startup ? await this.indexStatus() : { status: 'down', error: 'indexes not loaded' };
    const breakers = Object.fromEntries(
      this.resilience
        .snapshot()
        .dependencies.filter((d) => d.name === 'embedding' || d.name.startsWith('generation:'))
        .map((d) => [d.name, d.breaker.state]),
    );
    const embedding = Object.keys(breakers).filter((n) => n === 'embedding');
    const generation = Object.keys(breakers).filter((n) => n.startsWith('generation:'));
    deps.embedder = {
      ...(await this.providerStatus('embedder', embedding, (signal) => this.embedder.probe({ signal }))),
      provider: this.embedder.kind,
      breakers: pick(breakers, embedding),
    };
    deps.generator = {
      ...(await this.providerStatus('generator', generation, (signal) => this.generator.probe({ signal }))),
      provider: this.generator.kind,
      breakers: pick(breakers, generation),
    };
    const reasons: string[] = [];
    if (this.shuttingDown) reasons.push('shutting_down');
    if (deps.store.status !== 'up') reasons.push('store_down');
    if (deps.indexes.status !== 'up') reasons.push('indexes_down');
    const states = Object.values(breakers);
    if (states.length > 0 && states.every((state) => state === 'open')) reasons.push('providers_circuit_open');
    const ready = reasons.length === 0;
    this.metrics.ready.set(ready ? 1 : 0);
    return { ready, status: ready ? 'ready' : 'not_ready', shuttingDown: this.shuttingDown, reasons, dependencies: deps };
  }

  /**
   * Up when the latest real call through one of `dependencies` succeeded within PASSIVE_HEALTH_MS
   * (passive); otherwise the cached probe decides.
   */
  private async providerStatus(name: string, dependencies: string[], probe: (signal: AbortSignal) => Promise<void>): Promise<DependencyStatus> {
    const now = Date.now();
    for (const d of dependencies) {
      const last = this.lastOutcome.get(d);
      if (last?.ok && now - last.at <= PASSIVE_HEALTH_MS) return { status: 'up', source: 'passive', dependency: d, lastSuccessMsAgo: now - last.at };
    }
    return { ...(await this.probe(name, probe)), source: 'probe' };
  }

  /** Index sizes per collection next to the store's chunk counts: `consistent` is false if any disagree. */
  private async indexStatus(): Promise<DependencyStatus> {
    const sizes = new Map(this.indexes.stats().map((s) => [s.collectionId, s]));
    const collections = (await this.store.listCollections()).map((c) => {
      const s = sizes.get(c.id);
      return { tenant: c.tenant, name: c.name, chunks: c.chunkCount, vector: s?.vector ?? 0, lexical: s?.lexical ?? 0 };
    });
    const consistent = collections.every((c) => c.vector === c.chunks && c.lexical === c.chunks);
    return { status: 'up', appliedSeq: this.indexes.appliedSeq, consistent, collections };
  }

  private async probe(name: string, fn: (signal: AbortSignal) => Promise<void>): Promise<DependencyStatus> {
    const cached = this.probeCache.get(name);
    if (cached && Date.now() - cached.at < PROBE_CACHE_MS) return cached.status;
    const status = await timed(() => fn(AbortSignal.timeout(PROBE_TIMEOUT_MS)));
    this.probeCache.set(name, { at: Date.now(), status });
    return status;
  }

  async close(): Promise<void> {
    this.shuttingDown = true;
    if (this.saveTimer) clearInterval(this.saveTimer);
    try {
      if (this.startup) await this.indexes.saveAll();
    } finally {
      await this.store.close();
      await Promise.allSettled([this.embedder.close(), this.generator.close(), this.dispatchers.close(), this.tracing.shutdown(), this.answers.close()]);
      this.cacheRedis?.disconnect();
      this.metrics.close();
    }
  }
}

/** One query's metrics, recorded when applied. */
class QueryObservation implements DeferredObservation {
  constructor(
    private readonly runtime: Runtime,
    private readonly done: QueryDone,
    private readonly cache: QueryCacheResult,
  ) {}

  apply(): void {
    this.runtime.recordQuery(this.done, this.cache);
  }
}

/** Resilience policy from the RAGD_* settings, with RAGD_RESILIENCE per-dependency overrides on top. */
export function resilienceConfig(config: Config): ResilienceConfig {
  const r = config.resilience;
  return {
    defaults: {
      timeoutMs: config.server.requestTimeoutMs,
      breaker: r.breaker,
      retry: { maxAttempts: r.retry.maxAttempts, baseDelayMs: r.retry.baseDelayMs, maxDelayMs: r.retry.maxDelayMs },
      retryBudget: { ratio: r.retry.budgetRatio },
      bulkhead: r.bulkhead,
    },
    dependencies: r.overrides as ResilienceConfig['dependencies'],
  };
}

async function timed(fn: () => Promise<void>): Promise<DependencyStatus> {
  const t0 = performance.now();
  try {
    await fn();
    return { status: 'up', latencyMs: Math.round((performance.now() - t0) * 100) / 100 };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round((performance.now() - t0) * 100) / 100, error: (err as Error).message };
  }
}

function pick<V>(record: Record<string, V>, keys: readonly string[]): Record<string, V> {
  return Object.fromEntries(keys.map((k) => [k, record[k] as V]));
}
