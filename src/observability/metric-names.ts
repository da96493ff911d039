/**
 * The name of every metric ragd exports, and the closed sets of values its enumerated labels may
 * take. Code, the Prometheus rules and the Grafana dashboards under deploy/ all use these names; a
 * test fails when deploy/ mentions a metric the registry does not have. No prom-client import here,
 * so any module may depend on the names without pulling in the registry.
 */

/** Metric names without a prefix (the deploy/ artifacts assume no prefix). */
export const METRIC_NAMES = {
  httpRequests: 'http_requests_total',
  httpRequestDuration: 'http_request_duration_seconds',

  queryDuration: 'rag_query_duration_seconds',
  queries: 'rag_queries_total',

  ingestDocuments: 'rag_ingest_documents_total',
  ingestChunks: 'rag_ingest_chunks_total',
  ingestDuration: 'rag_ingest_duration_seconds',
  ingestFailures: 'rag_ingest_failures_total',

  providerRequests: 'provider_requests_total',
  providerRequestDuration: 'provider_request_duration_seconds',
  providerTokens: 'provider_tokens_total',

  breakerState: 'circuit_breaker_state',
  breakerFailures: 'circuit_breaker_failures_total',
  breakerTransitions: 'circuit_breaker_transitions_total',
  retries: 'retries_total',
  bulkheadRejections: 'bulkhead_rejections_total',
  bulkheadActive: 'bulkhead_active',
  bulkheadQueued: 'bulkhead_queued',
  shedRequests: 'shed_requests_total',
  degradedResponses: 'degraded_responses_total',

  cacheHits: 'rag_cache_hits_total',
  cacheMisses: 'rag_cache_misses_total',
  cacheErrors: 'rag_cache_errors_total',
  cacheEntries: 'rag_cache_entries',
  cacheEvictions: 'rag_cache_evictions_total',
  cacheLookupDuration: 'rag_cache_lookup_duration_seconds',
  semanticSimilarity: 'semantic_cache_similarity',
  semanticGuardRejections: 'semantic_cache_guard_rejections_total',
  semanticShadowHits: 'semantic_cache_shadow_hits_total',

  rateLimitRequests: 'rate_limit_requests_total',
  rateLimitFallback: 'rate_limit_fallback_total',

  httpPoolConnections: 'http_pool_connections',

  sloErrorBudgetRemaining: 'slo_error_budget_remaining',
  sloBurnRate: 'slo_burn_rate',
  sloObjective: 'slo_objective',

  buildInfo: 'ragd_build_info',
  ready: 'ragd_ready',
  labelOverflow: 'ragd_metric_label_overflow_total',

  eventLoopDelay: 'nodejs_eventloop_delay_seconds',
} as const;

/** One of ragd's own metric names. */
export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/**
 * What a label value becomes when it is outside its closed set, fails the safe-token check, or
 * would exceed the per-label cardinality cap. Each substitution is counted in
 * `ragd_metric_label_overflow_total{metric,label}`.
 */
export const OTHER_LABEL_VALUE = 'other';

/** HTTP methods kept as themselves; anything else is `other`. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Stages of a query timed by `rag_query_duration_seconds`; `total` is the whole pipeline. */
export const QUERY_STAGES = ['embed', 'search', 'generate', 'total'] as const;
export type QueryStage = (typeof QUERY_STAGES)[number];

/** How a query met the answer cache: exact hit, semantic hit, miss, or cache not consulted. */
export const QUERY_CACHE_RESULTS = ['exact', 'semantic', 'miss', 'bypass'] as const;
export type QueryCacheResult = (typeof QUERY_CACHE_RESULTS)[number];

/** Cache lookup kinds: exact key match, or nearest-neighbour (semantic) match. */
export const CACHE_KINDS = ['exact', 'semantic', 'embedding'] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

/**
 * The dependency a call went through: the base of a resilience dependency name (`generation` in
 * `generation:ollama`). Same values as KNOWN_DEPENDENCIES in src/resilience/dependency-name.ts
 * (a test keeps them equal); copied so this module imports nothing.
 */
export const DEPENDENCIES = ['embedding', 'generation', 'vector_search', 'redis', 'database'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/**
 * How a call ended: the resilience layer's CallOutcome (src/resilience/events.ts; a test keeps them
 * equal). `failure` and `timeout` count against the provider; `circuit_open` and `bulkhead_full`
 * are ragd protecting itself; `cancelled` is the caller going away; `client_error` is a request the
 * provider rightly refused (4xx). Alerts treat only `failure|timeout` as provider errors.
 */
export const PROVIDER_OUTCOMES = [
  'success',
  'failure',
  'timeout',
  'circuit_open',
  'bulkhead_full',
  'cancelled',
  'client_error',
] as const;
export type ProviderOutcome = (typeof PROVIDER_OUTCOMES)[number];

/** Token direction: `in` is the prompt (or embedded text), `out` is the completion. */
export const TOKEN_DIRECTIONS = ['in', 'out'] as const;
export type TokenDirection = (typeof TOKEN_DIRECTIONS)[number];

/** Circuit breaker states, in the order of their gauge value. */
export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];
/** `circuit_breaker_state` gauge value per state: 0 closed, 1 open, 2 half-open. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, open: 1, half_open: 2 };

/** Rate limiter decisions. */
export const RATE_LIMIT_OUTCOMES = ['admitted', 'limited'] as const;
export type RateLimitOutcome = (typeof RATE_LIMIT_OUTCOMES)[number];

/** Connection pool figures, as undici's `PoolStats` names them. */
export const POOL_STATES = ['connected', 'free', 'pending', 'running', 'size'] as const;
export type PoolState = (typeof POOL_STATES)[number];

/** Burn-rate windows of the SRE workbook's multi-window alerts. */
export const BURN_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/** Event-loop delay statistics, the `stat` label of `nodejs_eventloop_delay_seconds`. */
export const EVENT_LOOP_STATS = ['p50', 'p99', 'max'] as const;
