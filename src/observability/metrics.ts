/**
 * ragd's metrics: one prom-client Registry per call (never the global one, so tests and embedders
 * can hold several), with typed handles for every metric ragd records. Label values pass through
 * the label guard (label-guard.ts) before they reach a metric, so a raw URL, a user's question or
 * a document id can never mint series, and recording never throws. Counters and histograms resolve
 * each label set to its series once (prom-series.ts), so an update on the request path costs a
 * Map lookup per label and a few additions.
 *
 * The Prometheus rules and Grafana dashboards in deploy/ use these names (see metric-names.ts).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { registerEventLoopDelay } from './event-loop.js';
import { labelGuard, SAFE_TOKEN, type CleanLabels, type GuardContext, type LabelSpec, type LabelValue } from './label-guard.js';
import { SeriesCounter, SeriesHistogram, type CounterSeries, type HistogramSeries } from './prom-series.js';
import {
  BREAKER_STATES,
  BREAKER_STATE_VALUE,
  BURN_WINDOWS,
  CACHE_KINDS,
  DEPENDENCIES,
  HTTP_METHODS,
  METRIC_NAMES as N,
  OTHER_LABEL_VALUE,
  POOL_STATES,
  PROVIDER_OUTCOMES,
  QUERY_CACHE_RESULTS,
  QUERY_STAGES,
  RATE_LIMIT_OUTCOMES,
  TOKEN_DIRECTIONS,
  type BreakerState,
  type BurnWindow,
  type CacheKind,
  type Dependency,
  type PoolState,
  type ProviderOutcome,
  type QueryCacheResult,
  type QueryStage,
  type RateLimitOutcome,
  type TokenDirection,
} from './metric-names.js';

/** HTTP latency, seconds: from a cache hit (~5 ms) to the 30 s request timeout. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];
/**
 * Query stages, seconds: lexical/vector search is sub-millisecond to tens of ms, remote embedding
 * tens to hundreds of ms, generation whole seconds. One set so stages can share a heatmap. 0.2 and
 * 0.5 are the latency SLO thresholds, so Prometheus counts good queries exactly (no interpolation).
 */
export const QUERY_STAGE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];
/**
 * Latency SLO thresholds, seconds, as deploy/prometheus/recording-rules.yml reads them
 * (`le="0.2"` for `slo="latency_p95"`, `le="0.5"` for `slo="latency_p99"`): the defaults of
 * RAGD_SLO_LATENCY_P95_MS and RAGD_SLO_LATENCY_P99_MS, and boundaries of QUERY_STAGE_BUCKETS.
 */
export const LATENCY_SLO_THRESHOLDS_SECONDS = { latency_p95: 0.2, latency_p99: 0.5 } as const;
/** One ingest request, seconds: a single small document (~50 ms) to a 10 MB batch remotely embedded. */
export const INGEST_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Provider calls, seconds: local embedding (~10 ms) to long generations; 2 and 20 are alert thresholds. */
export const PROVIDER_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60];
/** Cache lookups, seconds: the memory tier answers in microseconds, Redis and SQL in milliseconds. */
export const CACHE_LOOKUP_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
/** Cosine similarity of semantic-cache candidates: fine steps where hit thresholds live (0.8-1.0). */
export const SIMILARITY_BUCKETS = [0.5, 0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 1];

/**
 * Distinct values a free label may take per metric before new values become `other`. 64 is well
 * above ragd's routes, providers, breakers and SLOs, yet a bug that leaks ids hits it at once and
 * shows in `ragd_metric_label_overflow_total` instead of as thousands of series.
 */
export const MAX_LABEL_VALUES = 64;

const HTTP_STATUS = /^[1-5][0-9][0-9]$/;
const BOOLEAN_VALUES = ['true', 'false'] as const;

export type { LabelValue };

/** A counter whose label values are guarded. Negative or non-finite increments are ignored. */
export interface LabelledCounter<L> {
  inc(labels: L, value?: number): void;
  /** The series of `labels`, guarded once: for a call site whose labels never change. */
  bind(labels: L): PlainCounter;
}
/** A gauge whose label values are guarded. Non-finite values are ignored. */
export interface LabelledGauge<L> {
  set(labels: L, value: number): void;
  inc(labels: L, value?: number): void;
  dec(labels: L, value?: number): void;
}
/** A histogram whose label values are guarded; `startTimer` returns a function that observes and returns seconds. */
export interface LabelledHistogram<L> {
  observe(labels: L, value: number): void;
  startTimer(labels: L): () => number;
  /** The series of `labels`, guarded once: for a call site whose labels never change. */
  bind(labels: L): PlainHistogram;
}
/** A counter without labels. */
export interface PlainCounter {
  inc(value?: number): void;
}
/** A gauge without labels. */
export interface PlainGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}
/** A histogram without labels. */
export interface PlainHistogram {
  observe(value: number): void;
  startTimer(): () => number;
}

/** Labels of one HTTP request. `route` is the route template (or `unmatched`), never the URL. */
export interface HttpLabels {
  route: string;
  method: string;
  status: number | string;
}
/**
 * Labels of one provider call. `provider` is the instance part of the dependency name (`ollama` in
 * `generation:ollama`), or the configured kind.
 */
export interface ProviderLabels {
  dependency: Dependency;
  provider: string;
}
/** Undici `PoolStats` figures for one provider's pool; missing figures are left unchanged. */
export type PoolStats = Partial<Record<PoolState, number>>;

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Prepended to every metric name. Defaults to none, which is what deploy/ assumes. */
  prefix?: string;
  /** Register prom-client's process and Node.js metrics (CPU, RSS, heap, GC, fds). Defaults to true. */
  collectDefault?: boolean;
  /** `version` label of `ragd_build_info`. Defaults to `unknown`. */
  version?: string;
  /** Per-label cap on distinct free values. Defaults to {@link MAX_LABEL_VALUES}. */
  maxLabelValues?: number;
}

/** Every handle ragd records through, plus the registry and its exposition. */
export interface Metrics {
  readonly registry: Registry;
  /** The text exposition for `GET /metrics`. */
  exposition(): Promise<{ contentType: string; body: string }>;
  /** Stops the event-loop monitor. The registry stays readable. */
  close(): void;

  httpRequests: LabelledCounter<HttpLabels>;
  httpRequestDuration: LabelledHistogram<HttpLabels>;
  /** Counts one finished request and observes its duration in seconds. */
  recordHttpRequest(labels: HttpLabels, seconds: number): void;

  queryDuration: LabelledHistogram<{ stage: QueryStage }>;
  /** One per answered query; `mode` is the retrieval mode (e.g. hybrid, vector, lexical). */
  queries: LabelledCounter<{ mode: string; cache: QueryCacheResult; degraded: boolean }>;

  ingestDocuments: PlainCounter;
  ingestChunks: PlainCounter;
  /** One observation per ingest request. */
  ingestDuration: PlainHistogram;
  /** One per document that failed to ingest; `reason` is a short code such as `parse` or `embed`. */
  ingestFailures: LabelledCounter<{ reason: string }>;

  providerRequests: LabelledCounter<ProviderLabels & { outcome: ProviderOutcome }>;
  providerRequestDuration: LabelledHistogram<ProviderLabels>;
  providerTokens: LabelledCounter<ProviderLabels & { direction: TokenDirection }>;
  /** Counts one provider call by outcome and observes its duration in seconds. */
  recordProviderCall(labels: ProviderLabels & { outcome: ProviderOutcome }, seconds: number): void;

  /** Sets `circuit_breaker_state` (0 closed, 1 open, 2 half-open). */
  breakerState: { set(labels: { name: string }, state: BreakerState): void };
  breakerFailures: LabelledCounter<{ name: string }>;
  breakerTransitions: LabelledCounter<{ name: string; from: BreakerState; to: BreakerState }>;
  /** Counts a transition and sets the state gauge to `to`. */
  recordBreakerTransition(name: string, from: BreakerState, to: BreakerState): void;
  retries: LabelledCounter<{ name: string }>;
  bulkheadRejections: LabelledCounter<{ name: string }>;
  bulkheadActive: LabelledGauge<{ name: string }>;
  bulkheadQueued: LabelledGauge<{ name: string }>;
  shedRequests: LabelledCounter<{ reason: string }>;
  degradedResponses: LabelledCounter<{ reason: string }>;

  /** One per lookup served from cache; `tier` is the tier that answered. */
  cacheHits: LabelledCounter<{ tier: string; kind: CacheKind }>;
  /** One per lookup no tier could answer. */
  cacheMisses: LabelledCounter<{ kind: CacheKind }>;
  cacheErrors: LabelledCounter<{ tier: string }>;
  cacheEntries: LabelledGauge<{ tier: string }>;
  cacheEvictions: LabelledCounter<{ tier: string }>;
  cacheLookupDuration: LabelledHistogram<{ tier: string }>;
  /** Similarity of the best semantic candidate, observed on every semantic lookup that found one. */
  semanticSimilarity: PlainHistogram;
  semanticGuardRejections: LabelledCounter<{ reason: string }>;
  semanticShadowHits: PlainCounter;

  rateLimitRequests: LabelledCounter<{ route_class: string; outcome: RateLimitOutcome }>;
  /** One per decision taken by the local fallback because the shared limiter was unreachable. */
  rateLimitFallback: PlainCounter;

  httpPoolConnections: LabelledGauge<{ provider: string; state: PoolState }>;
  /** Sets every figure of one provider's pool from undici's `pool.stats`. */
  setPoolStats(provider: string, stats: PoolStats): void;

  sloErrorBudgetRemaining: LabelledGauge<{ slo: string }>;
  sloBurnRate: LabelledGauge<{ slo: string; window: BurnWindow }>;
  sloObjective: LabelledGauge<{ slo: string }>;

  /** 1 when ready to serve, 0 otherwise. */
  ready: PlainGauge;
}

type Spec<L> = LabelSpec<L>;

interface Context extends GuardContext {
  registry: Registry;
  prefix: string;
}

const finite = (v: number): boolean => Number.isFinite(v);
const increment = (v: number): boolean => Number.isFinite(v) && v >= 0;

/** A labelled metric and its series by cleaned labels (for a guard of its own, see recordHttpRequest). */
type WithCells<M, S> = M & { cell(labels: CleanLabels): S };

function counter<L>(ctx: Context, name: string, help: string, spec: Spec<L>): WithCells<LabelledCounter<L>, CounterSeries> {
  const c = new SeriesCounter({ name: ctx.prefix + name, help, labelNames: Object.keys(spec), registers: [ctx.registry] });
  const series = labelGuard(ctx, name, spec, (labels) => c.series(labels));
  return {
    inc(labels, value = 1) {
      if (increment(value)) series(labels).inc(value);
    },
    bind: (labels) => plainSeriesCounter(series(labels)),
    cell: (labels) => c.series(labels),
  };
}

function gauge<L>(ctx: Context, name: string, help: string, spec: Spec<L>): LabelledGauge<L> {
  const g = new Gauge({ name: ctx.prefix + name, help, labelNames: Object.keys(spec), registers: [ctx.registry] });
  const clean = labelGuard(ctx, name, spec, (labels) => labels);
  return {
    set(labels, value) {
      if (finite(value)) g.set(clean(labels), value);
    },
    inc(labels, value = 1) {
      if (finite(value)) g.inc(clean(labels), value);
    },
    dec(labels, value = 1) {
      if (finite(value)) g.dec(clean(labels), value);
    },
  };
}

function histogram<L>(
  ctx: Context,
  name: string,
  help: string,
  buckets: number[],
  spec: Spec<L>,
): WithCells<LabelledHistogram<L>, HistogramSeries> {
  const h = new SeriesHistogram({ name: ctx.prefix + name, help, buckets, labelNames: Object.keys(spec), registers: [ctx.registry] });
  const series = labelGuard(ctx, name, spec, (labels) => h.series(labels));
  return {
    bind: (labels) => plainSeriesHistogram(series(labels)),
    cell: (labels) => h.series(labels),
    observe(labels, value) {
      if (finite(value)) series(labels).observe(value);
    },
    startTimer(labels) {
      const target = series(labels);
      const start = performance.now();
      return () => {
        const seconds = (performance.now() - start) / 1000;
        target.observe(seconds);
        return seconds;
      };
    },
  };
}

function plainCounter(ctx: Context, name: string, help: string): PlainCounter {
  return plainSeriesCounter(new SeriesCounter({ name: ctx.prefix + name, help, labelNames: [], registers: [ctx.registry] }).series({}));
}

function plainSeriesCounter(series: CounterSeries): PlainCounter {
  return {
    inc(value = 1) {
      if (increment(value)) series.inc(value);
    },
  };
}

function plainHistogram(ctx: Context, name: string, help: string, buckets: number[]): PlainHistogram {
  return plainSeriesHistogram(new SeriesHistogram({ name: ctx.prefix + name, help, buckets, labelNames: [], registers: [ctx.registry] }).series({}));
}

function plainSeriesHistogram(series: HistogramSeries): PlainHistogram {
  return {
    observe(value) {
      if (finite(value)) series.observe(value);
    },
    startTimer() {
      const start = performance.now();
      return () => {
        const seconds = (performance.now() - start) / 1000;
        series.observe(seconds);
        return seconds;
      };
    },
  };
}

function plainGauge(ctx: Context, name: string, help: string): PlainGauge {
  const g = new Gauge({ name: ctx.prefix + name, help, registers: [ctx.registry] });
  return {
    set(value) {
      if (finite(value)) g.set(value);
    },
    inc(value = 1) {
      if (finite(value)) g.inc(value);
    },
    dec(value = 1) {
      if (finite(value)) g.dec(value);
    },
  };
}

/**
 * Creates a fresh registry with every ragd metric, the event-loop delay gauge and (by default)
 * prom-client's process metrics.
 *
 * @example
 * const metrics = createMetrics({ version: '0.1.0' });
 * metrics.recordHttpRequest({ route: '/v1/query', method: 'POST', status: 200 }, 0.182);
 * const { contentType, body } = await metrics.exposition();
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const prefix = options.prefix ?? '';
  const overflow = new Counter({
    name: prefix + N.labelOverflow,
    help: 'Label values replaced by "other" because they were invalid, unsafe or over the cardinality cap.',
    labelNames: ['metric', 'label'] as const,
    registers: [registry],
  });
  const ctx: Context = { registry, prefix, maxValues: options.maxLabelValues ?? MAX_LABEL_VALUES, overflow };
  if (options.collectDefault ?? true) collectDefaultMetrics({ register: registry, prefix });
  const eventLoop = registerEventLoopDelay(registry, { prefix });

  const free = 'free' as const;
  const http: Spec<HttpLabels> = { route: free, method: HTTP_METHODS, status: HTTP_STATUS };
  const provider: Spec<ProviderLabels> = { dependency: DEPENDENCIES, provider: free };
  const named: Spec<{ name: string }> = { name: free };
  const reason: Spec<{ reason: string }> = { reason: free };
  const tier: Spec<{ tier: string }> = { tier: free };
  const slo: Spec<{ slo: string }> = { slo: free };

  const httpRequests = counter(ctx, N.httpRequests, 'HTTP requests by route template, method and status.', http);
  const httpRequestDuration = histogram(
    ctx,
    N.httpRequestDuration,
    'HTTP request duration in seconds.',
    HTTP_DURATION_BUCKETS,
    http,
  );
  // Both HTTP series of a label set from one guard lookup (one per request instead of two).
  const httpCells = labelGuard(ctx, [N.httpRequests, N.httpRequestDuration], http, (labels) => ({
    count: httpRequests.cell(labels),
    duration: httpRequestDuration.cell(labels),
  }));
  const providerRequests = counter(ctx, N.providerRequests, 'Provider calls by outcome.', {
    ...provider,
    outcome: PROVIDER_OUTCOMES,
  });
  const providerRequestDuration = histogram(
    ctx,
    N.providerRequestDuration,
    'Provider call duration in seconds, including streaming.',
    PROVIDER_DURATION_BUCKETS,
    provider,
  );
  const breakerStateGauge = gauge(ctx, N.breakerState, 'Circuit breaker state: 0 closed, 1 open, 2 half-open.', named);
  const breakerState = {
    set(labels: { name: string }, state: BreakerState) {
      // Untyped callers could pass anything; an unknown state is dropped rather than shown as a number.
      if (Object.hasOwn(BREAKER_STATE_VALUE, state)) breakerStateGauge.set(labels, BREAKER_STATE_VALUE[state]);
    },
  };
  const breakerTransitions = counter(ctx, N.breakerTransitions, 'Circuit breaker state transitions.', {
    name: free,
    from: BREAKER_STATES,
    to: BREAKER_STATES,
  });
  const httpPoolConnections = gauge(
    ctx,
    N.httpPoolConnections,
    'Outbound connection pool figures per provider (undici PoolStats).',
    { provider: free, state: POOL_STATES },
  );

  const ready = plainGauge(ctx, N.ready, '1 when ragd is ready to serve traffic, 0 otherwise.');
  ready.set(0);
  new Gauge({
    name: prefix + N.buildInfo,
    help: 'Always 1; labels carry the ragd version and Node.js version.',
    labelNames: ['version', 'node'] as const,
    registers: [registry],
  }).set({ version: safeToken(options.version ?? 'unknown'), node: process.version }, 1);

  return {
    registry,
    exposition: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    close: () => eventLoop.close(),

    httpRequests,
    httpRequestDuration,
    recordHttpRequest(labels, seconds) {
      const cells = httpCells(labels);
      cells.count.inc(1);
      if (finite(seconds)) cells.duration.observe(seconds);
    },

    queryDuration: histogram(ctx, N.queryDuration, 'Query pipeline stage duration in seconds.', QUERY_STAGE_BUCKETS, {
      stage: QUERY_STAGES,
    }),
    queries: counter(ctx, N.queries, 'Answered queries by retrieval mode, cache result and degradation.', {
      mode: free,
      cache: QUERY_CACHE_RESULTS,
      degraded: BOOLEAN_VALUES,
    }),

    ingestDocuments: plainCounter(ctx, N.ingestDocuments, 'Documents ingested.'),
    ingestChunks: plainCounter(ctx, N.ingestChunks, 'Chunks written to the indexes.'),
    ingestDuration: plainHistogram(ctx, N.ingestDuration, 'Ingest request duration in seconds.', INGEST_DURATION_BUCKETS),
    ingestFailures: counter(ctx, N.ingestFailures, 'Documents that failed to ingest, by reason.', reason),

    providerRequests,
    providerRequestDuration,
    providerTokens: counter(ctx, N.providerTokens, 'Tokens sent to (in) and received from (out) providers.', {
      ...provider,
      direction: TOKEN_DIRECTIONS,
    }),
    recordProviderCall(labels, seconds) {
      providerRequests.inc(labels);
      providerRequestDuration.observe({ dependency: labels.dependency, provider: labels.provider }, seconds);
    },

    breakerState,
    breakerFailures: counter(ctx, N.breakerFailures, 'Failures recorded by circuit breakers.', named),
    breakerTransitions,
    recordBreakerTransition(name, from, to) {
      breakerTransitions.inc({ name, from, to });
      breakerState.set({ name }, to);
    },
    retries: counter(ctx, N.retries, 'Retry attempts by policy name.', named),
    bulkheadRejections: counter(ctx, N.bulkheadRejections, 'Calls rejected because a bulkhead and its queue were full.', named),
    bulkheadActive: gauge(ctx, N.bulkheadActive, 'Calls executing inside a bulkhead.', named),
    bulkheadQueued: gauge(ctx, N.bulkheadQueued, 'Calls waiting for a bulkhead slot.', named),
    shedRequests: counter(ctx, N.shedRequests, 'Requests shed by load shedding, by reason.', reason),
    degradedResponses: counter(ctx, N.degradedResponses, 'Responses served in a degraded mode, by reason.', reason),

    cacheHits: counter(ctx, N.cacheHits, 'Cache lookups answered, by the tier that answered and lookup kind.', {
      ...tier,
      kind: CACHE_KINDS,
    }),
    cacheMisses: counter(ctx, N.cacheMisses, 'Cache lookups no tier could answer.', { kind: CACHE_KINDS }),
    cacheErrors: counter(ctx, N.cacheErrors, 'Cache operations that failed, by tier.', tier),
    cacheEntries: gauge(ctx, N.cacheEntries, 'Entries held per cache tier.', tier),
    cacheEvictions: counter(ctx, N.cacheEvictions, 'Entries evicted per cache tier.', tier),
    cacheLookupDuration: histogram(
      ctx,
      N.cacheLookupDuration,
      'Cache lookup duration per tier in seconds.',
      CACHE_LOOKUP_BUCKETS,
      tier,
    ),
    semanticSimilarity: plainHistogram(
      ctx,
      N.semanticSimilarity,
      'Cosine similarity of the best semantic-cache candidate.',
      SIMILARITY_BUCKETS,
    ),
    semanticGuardRejections: counter(
      ctx,
      N.semanticGuardRejections,
      'Semantic-cache candidates refused by a guard, by reason.',
      reason,
    ),
    semanticShadowHits: plainCounter(ctx, N.semanticShadowHits, 'Semantic hits that shadow mode observed but did not serve.'),

    rateLimitRequests: counter(ctx, N.rateLimitRequests, 'Rate limiter decisions by route class.', {
      route_class: free,
      outcome: RATE_LIMIT_OUTCOMES,
    }),
    rateLimitFallback: plainCounter(ctx, N.rateLimitFallback, 'Decisions taken by the local fallback limiter.'),

    httpPoolConnections,
    setPoolStats(name, stats) {
      for (const state of POOL_STATES) {
        const value = stats[state];
        if (value !== undefined) httpPoolConnections.set({ provider: name, state }, value);
      }
    },

    sloErrorBudgetRemaining: gauge(
      ctx,
      N.sloErrorBudgetRemaining,
      'Fraction of the SLO error budget left in its window (<= 0 is exhausted).',
      slo,
    ),
    sloBurnRate: gauge(
      ctx,
      N.sloBurnRate,
      'Error budget burn rate per window (1 spends the budget exactly over the SLO window).',
      { ...slo, window: BURN_WINDOWS },
    ),
    sloObjective: gauge(ctx, N.sloObjective, 'SLO objective as a ratio, e.g. 0.999.', slo),

    ready,
  };
}

function safeToken(value: string): string {
  return SAFE_TOKEN.test(value) ? value : OTHER_LABEL_VALUE;
}

/**
 * Metrics that record nothing (RAGD_METRICS=off): every handle is a no-op and the registry stays
 * empty, so the request path pays one empty call where it would record. For overhead baselines
 * (bench/observability-overhead.ts) and embedders that bring their own telemetry; the server does
 * not serve /metrics in this mode.
 */
export function createDisabledMetrics(): Metrics {
  const registry = new Registry();
  const noop = (): void => undefined;
  const plain = { inc: noop, set: noop, dec: noop, observe: noop, startTimer: () => () => 0 };
  const none = { ...plain, bind: () => plain };
  return {
    registry,
    exposition: async () => ({ contentType: registry.contentType, body: '' }),
    close: noop,
    httpRequests: none,
    httpRequestDuration: none,
    recordHttpRequest: noop,
    queryDuration: none,
    queries: none,
    ingestDocuments: none,
    ingestChunks: none,
    ingestDuration: none,
    ingestFailures: none,
    providerRequests: none,
    providerRequestDuration: none,
    providerTokens: none,
    recordProviderCall: noop,
    breakerState: none,
    breakerFailures: none,
    breakerTransitions: none,
    recordBreakerTransition: noop,
    retries: none,
    bulkheadRejections: none,
    bulkheadActive: none,
    bulkheadQueued: none,
    shedRequests: none,
    degradedResponses: none,
    cacheHits: none,
    cacheMisses: none,
    cacheErrors: none,
    cacheEntries: none,
    cacheEvictions: none,
    cacheLookupDuration: none,
    semanticSimilarity: none,
    semanticGuardRejections: none,
    semanticShadowHits: none,
    rateLimitRequests: none,
    rateLimitFallback: none,
    httpPoolConnections: none,
    setPoolStats: noop,
    sloErrorBudgetRemaining: none,
    sloBurnRate: none,
    sloObjective: none,
    ready: none,
  };
}
