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
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { QueryCacheResult } from './observability/metric-names.js';
import type { QueryDone } from './rag/query-service.js';
import { NOOP_TRACING, createTracing } from './observability/tracing.js';
import type { Tracing } from './observability/tracing-types.js';
import { createSloTracker, type SloTracker } from './observability/slo.js';
import { IngestService, type IngestDocument, type IngestOutcome } from './rag/ingest-service.js';
import { QueryService } from './rag/query-service.js';
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
  /** Set by start(); a no-op (zero overhead) unless tracing is enabled by OTEL_* variables. */
  tracing: Tracing = NOOP_TRACING;
  shuttingDown = false;
  startup: StartupReport | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly probeCache = new Map<string, { at: number; status: DependencyStatus }>();

  constructor(
    readonly config: Config,
    readonly log: Logger,
  ) {
    this.metrics = createMetrics({ version: RAGD_VERSION });
    this.slo = createSloTracker();
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
    subscribeResilienceTelemetry(this.resilience, this.metrics, log.child({ component: 'resilience' }));
    this.embedder = new ResilientEmbedder(createEmbedder(config, this.dispatchers), this.resilience.get('embedding'));
    const chain = createGeneratorChain(config, this.dispatchers);
    this.generator = chain.length === 1 && chain[0]!.kind === 'extractive' ? chain[0]! : new ResilientGenerator(chain, this.resilience);
    // The last resort when every generator fails before its first token: answer extractively.
    const fallback = chain[0]!.kind === 'extractive' ? chain[0]! : new ExtractiveGenerator();
    this.retriever = new Retriever(this.store, this.indexes, this.embedder, config.retrieval.rrfK, this.resilience.get('vector_search'));
    this.ingestService = new IngestService(this.store, this.indexes, this.embedder, config.chunking);
    this.query = new QueryService(this.store, this.retriever, this.generator, fallback);
  }

  async start(): Promise<StartupReport> {
    this.tracing = await createTracing({ version: RAGD_VERSION, onDiagnostic: (m) => this.log.warn({ otel: m }, 'tracing') });
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

  /** Records a finished query in the metrics (stage latencies, outcome, degraded reasons). */
  recordQuery(done: QueryDone, cache: QueryCacheResult): void {
    const m = this.metrics;
    const t = done.timings;
    if (cache === 'miss' || cache === 'bypass') {
      m.queryDuration.observe({ stage: 'embed' }, t.embedMs / 1000);
      m.queryDuration.observe({ stage: 'search' }, t.searchMs / 1000);
      m.queryDuration.observe({ stage: 'generate' }, t.generateMs / 1000);
    }
    m.queryDuration.observe({ stage: 'total' }, t.totalMs / 1000);
    m.queries.inc({ mode: done.mode, cache, degraded: done.degraded });
    for (const reason of done.reasons) m.degradedResponses.inc({ reason });
  }

  async deleteDocument(key: CollectionKey, id: string): Promise<DeleteDocumentResult | undefined> {
    const res = await this.store.deleteDocument(key, id);
    if (res) await this.indexes.catchUp();
    return res;
  }

  async readiness(): Promise<ReadinessReport> {
    const deps: Record<string, DependencyStatus> = {};
    deps.store = await timed(() => this.store.ping());
    deps.indexes = this.startup ? await this.indexStatus() : { status: 'down', error: 'indexes not loaded' };
    deps.embedder = { ...(await this.probe('embedder', (signal) => this.embedder.probe({ signal }))), provider: this.embedder.kind };
    deps.generator = { ...(await this.probe('generator', (signal) => this.generator.probe({ signal }))), provider: this.generator.kind };
    // Generation can degrade to extractive answers, so only the store and indexes gate readiness.
    const ready = !this.shuttingDown && deps.store.status === 'up' && deps.indexes.status === 'up';
    this.metrics.ready.set(ready ? 1 : 0);
    return { ready, status: ready ? 'ready' : 'not_ready', shuttingDown: this.shuttingDown, dependencies: deps };
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
      await Promise.allSettled([this.embedder.close(), this.generator.close(), this.dispatchers.close(), this.tracing.shutdown()]);
      this.metrics.close();
    }
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
