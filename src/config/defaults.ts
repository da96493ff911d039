/**
 * Named defaults, each with the reason it is what it is. Every one can be overridden by the
 * RAGD_* variable named beside it (see docs/configuration.md and the README's table).
 */

/** RAGD_HOST: loopback only, so a fresh install with no credentials is not exposed to the network. */
export const DEFAULT_HOST = '127.0.0.1';
/** RAGD_PORT */
export const DEFAULT_PORT = 8080;
/** RAGD_DATA_DIR: relative to the working directory, like most single-binary services. */
export const DEFAULT_DATA_DIR = './data';
/** RAGD_LOG_LEVEL */
export const DEFAULT_LOG_LEVEL = 'info';
/** RAGD_BODY_LIMIT_BYTES: 10 MB fits a large document batch while bounding memory per request. */
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
/** RAGD_REQUEST_TIMEOUT_MS: 30 s, the longest a user waits for a streamed LLM answer to start and finish. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** RAGD_EMBED_DIMENSIONS for the local embedder: 384 keeps 100k chunks under ~80 MB in f16 while separating hashed features well. */
export const DEFAULT_LOCAL_DIMENSIONS = 384;
/** RAGD_EMBED_BATCH_SIZE: texts per remote embedding call; 64 is within every OpenAI-compatible server's limits. */
export const DEFAULT_EMBED_BATCH_SIZE = 64;
export const DEFAULT_MODELS = {
  local: 'hash-v1',
  ollama: 'nomic-embed-text',
  openai: 'text-embedding-3-small',
} as const;
export const DEFAULT_GENERATE_MODELS = {
  extractive: 'extractive-v1',
  ollama: 'llama3.2',
  openai: 'gpt-4o-mini',
} as const;
/** RAGD_OLLAMA_URL: Ollama's own default listen address. */
export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';
/** RAGD_OPENAI_BASE_URL: the OpenAI API; point it at vLLM, llama.cpp or LM Studio for local models. */
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** RAGD_GENERATE_MAX_TOKENS: a grounded answer rarely needs more; bounds cost and latency. */
export const DEFAULT_GENERATE_MAX_TOKENS = 512;
/** RAGD_GENERATE_TEMPERATURE: low, because answers should stick to the sources. */
export const DEFAULT_GENERATE_TEMPERATURE = 0.1;

/** RAGD_CHUNK_SIZE: characters per chunk; ~1,000 chars (~250 tokens) keeps one idea per chunk and fits small-context embedders. */
export const DEFAULT_CHUNK_SIZE = 1000;
/** RAGD_CHUNK_OVERLAP: characters repeated between neighbouring chunks so a sentence cut at a boundary is still found. */
export const DEFAULT_CHUNK_OVERLAP = 150;

/** RAGD_SEARCH_TOP_K: results for /search when the caller gives no topK. */
export const DEFAULT_SEARCH_TOP_K = 10;
/** RAGD_QUERY_TOP_K: sources given to the generator for /query; 5 keeps prompts short. */
export const DEFAULT_QUERY_TOP_K = 5;
/** Largest topK a caller may ask for. */
export const MAX_TOP_K = 1000;
/** RAGD_RRF_K: the constant from Cormack et al. (2009), "Reciprocal Rank Fusion outperforms Condorcet...". */
export const DEFAULT_RRF_K = 60;

/** RAGD_HNSW_M: graph degree; 16 is the HNSW paper's recommended range midpoint for ~384-d data. */
export const DEFAULT_HNSW_M = 16;
/**
 * RAGD_HNSW_EF_CONSTRUCTION: build-time beam. 64 is pgvector's default; measured here at 384-d it
 * inserts ~5.0k vectors/s vs ~3.5k/s at 128 (single-threaded insertion dominates ingest time),
 * with no change in nDCG@10 on msmarco-5k. Raise it for very large collections that need more recall.
 */
export const DEFAULT_HNSW_EF_CONSTRUCTION = 64;
/** RAGD_HNSW_EF_SEARCH: query-time beam; 64 keeps a 100k search well under a millisecond. */
export const DEFAULT_HNSW_EF_SEARCH = 64;
/** RAGD_INDEX_SAVE_INTERVAL_MS: how often dirty indexes are snapshotted; replaying the store's log covers the gap after a crash. */
export const DEFAULT_INDEX_SAVE_INTERVAL_MS = 30_000;
/** RAGD_SQLITE_SYNCHRONOUS: FULL survives power loss, not only process crashes; one fsync per ingest request. */
export const DEFAULT_SQLITE_SYNCHRONOUS = 'full';

/** RAGD_HTTP_CONNECTIONS: total outbound connections across provider origins. */
export const DEFAULT_HTTP_CONNECTIONS = 100;
/** RAGD_HTTP_CONNECTIONS_PER_HOST: per origin, so one provider cannot take the whole pool. */
export const DEFAULT_HTTP_CONNECTIONS_PER_HOST = 20;
/** RAGD_HTTP_CONNECT_TIMEOUT_MS */
export const DEFAULT_HTTP_CONNECT_TIMEOUT_MS = 10_000;
/** RAGD_HTTP_READ_TIMEOUT_MS: longest silence between bytes from a provider (headers or body). */
export const DEFAULT_HTTP_READ_TIMEOUT_MS = 30_000;

/** RAGD_SHED_MAX_IN_FLIGHT: requests being served at once before new ones get 503; on 2 cores, more only adds queueing delay. */
export const DEFAULT_SHED_MAX_IN_FLIGHT = 512;
/** RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS: event-loop delay (p99 over the last second) past which new requests are shed; beyond it every request is already late. */
export const DEFAULT_SHED_MAX_EVENT_LOOP_DELAY_MS = 250;
/** RAGD_SHUTDOWN_GRACE_MS: in-flight requests get this long to finish after SIGTERM (Kubernetes gives 30 s before SIGKILL). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/**
 * RAGD_V8_PRETENURING: off. V8's allocation-site pretenuring allocates objects of sites it judges
 * long-lived straight into the old generation; under ragd's request load it misjudged per-request
 * objects (HTTP headers, question tokens) and semantic cache hits spent 14% of their time in GC with
 * ~1.5 MB promoted per scavenge. Off: 0.27 MB and 6%, semantic hits ~10% less CPU, exact hits ~2%,
 * ingestion unchanged (bench/README.md, sixth session).
 */
export const DEFAULT_V8_PRETENURING = false;
/** RAGD_METRICS: on; recording costs well under 1% of a request (bench/observability-overhead.ts), blindness costs more. */
export const DEFAULT_METRICS = true;
/** RAGD_DASHBOARD: on; the page is static, same-origin, and reads only what /metrics already exposes. */
export const DEFAULT_DASHBOARD = true;
/** RAGD_SLO_AVAILABILITY: 99.9% of API requests without a 5xx, about 43 minutes of errors a month at constant traffic. */
export const DEFAULT_SLO_AVAILABILITY = 0.999;
/** RAGD_SLO_LATENCY_P95_MS: 95% of queries within 200 ms, what a retrieval-backed answer feels like when it is "instant". */
export const DEFAULT_SLO_LATENCY_P95_MS = 200;
/** RAGD_SLO_LATENCY_P99_MS: 99% of queries within 500 ms, so the slow tail stays under a human's "waiting" threshold. */
export const DEFAULT_SLO_LATENCY_P99_MS = 500;
/** RAGD_SLO_PERIOD_DAYS: 30, the usual SLO month; the burn-rate alert factors (14.4, 6, 3, 1) assume it. */
export const DEFAULT_SLO_PERIOD_DAYS = 30;

/** RAGD_AUTH: `auto` turns authentication on as soon as any credential exists, so adding one is enough to lock the API. */
export const DEFAULT_AUTH = 'auto';
/** RAGD_JWT_TENANT_CLAIM: a private claim name most identity providers let you map a group or org into. */
export const DEFAULT_JWT_TENANT_CLAIM = 'tenant';
/** RAGD_JWT_SCOPE_CLAIM: `scope`, the OAuth 2.0 (RFC 8693 / RFC 9068) space-separated scope claim. */
export const DEFAULT_JWT_SCOPE_CLAIM = 'scope';
/** RAGD_RATE_LIMIT: on, so one caller cannot take the whole server; off only behind a gateway that limits. */
export const DEFAULT_RATE_LIMIT = true;
/** RAGD_RATE_LIMIT_PER_MINUTE: 100 requests per minute per credential (per IP when anonymous) and route class. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 100;
/** RAGD_TOKEN_BUDGET_PER_MINUTE: 0 = off; a token budget only means something for paid remote generators. */
export const DEFAULT_TOKEN_BUDGET_PER_MINUTE = 0;
/** RAGD_COMPRESSION: on; JSON search results and answers shrink 4-8x, which matters more than the ~0.1 ms it costs. */
export const DEFAULT_COMPRESSION = true;
