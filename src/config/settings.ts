/**
 * The table of every RAGD_* setting: variable name, type, default and a one-line description.
 * It is the single source for validation (load.ts) and for the configuration docs
 * (`ragd config --markdown` prints the table that README.md and docs/configuration.md carry).
 */
import { z } from 'zod';
import * as D from './defaults.js';
import * as R from '../resilience/defaults.js';
import * as C from '../cache/defaults.js';

export interface Setting {
  env: string;
  schema: z.ZodType;
  default: unknown;
  description: string;
  /** Never printed or logged. */
  secret?: boolean;
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const url = z.string().url();
/** `kind[:model],kind[:model]` lists, e.g. `openai:gpt-4o-mini,ollama`. */
const generatorList = z
  .string()
  .regex(/^\s*(extractive|ollama|openai)(:[^,\s]+)?\s*(,\s*(extractive|ollama|openai)(:[^,\s]+)?\s*)*$/, 'expected kind[:model] items separated by commas, kinds extractive|ollama|openai');
const jsonObject = z.string().transform((v, ctx) => {
  try {
    const parsed: unknown = JSON.parse(v);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'expected a JSON object' });
  return z.NEVER;
});
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'on' || v === 'yes');
/** Shared secrets: 32 bytes (256 bits) at least, the HMAC-SHA256 key size (see auth/secrets.ts). */
const secretValue = z.string().refine((v) => Buffer.byteLength(v, 'utf8') >= 32, 'must be at least 32 bytes of random data (e.g. `openssl rand -base64 48`)');
const commaList = z
  .string()
  .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
  .refine((v) => v.length > 0, 'expected a comma-separated list');
const claimName = z.string().regex(/^[A-Za-z0-9_:./-]{1,128}$/, 'expected a claim name');
const redisUrl = z.string().regex(/^rediss?:\/\/\S+$/, 'expected redis://host:port[/db] or rediss://...');
/** `*` or origins (scheme://host[:port], no path), comma-separated. */
const corsOrigins = commaList.refine(
  (list) => list.every((o) => o === '*' || /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)),
  'expected * or origins like https://app.example.com, comma-separated',
);

function s(env: string, schema: z.ZodType, def: unknown, description: string, secret = false): Setting {
  return { env, schema, default: def, description, ...(secret ? { secret } : {}) };
}

export const SETTINGS = [
  s('RAGD_HOST', z.string().min(1), D.DEFAULT_HOST, 'Address to listen on.'),
  s('RAGD_PORT', port, D.DEFAULT_PORT, 'Port to listen on (0 picks a free port).'),
  s('RAGD_DATA_DIR', z.string().min(1), D.DEFAULT_DATA_DIR, 'Where the SQLite database and index files live.'),
  s('RAGD_LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), D.DEFAULT_LOG_LEVEL, 'pino log level.'),
  s('RAGD_BODY_LIMIT_BYTES', positiveInt, D.DEFAULT_BODY_LIMIT_BYTES, 'Largest request body accepted.'),
  s('RAGD_REQUEST_TIMEOUT_MS', positiveInt, D.DEFAULT_REQUEST_TIMEOUT_MS, 'Deadline for one request, end to end.'),
  s('RAGD_EMBEDDER', z.enum(['local', 'ollama', 'openai']), 'local', 'Embedding provider.'),
  s('RAGD_EMBED_MODEL', z.string().min(1), undefined, 'Embedding model (default: hash-v1 / nomic-embed-text / text-embedding-3-small by embedder).'),
  s('RAGD_EMBED_DIMENSIONS', z.coerce.number().int().min(64).max(4096), D.DEFAULT_LOCAL_DIMENSIONS, 'Vector size of the local embedder (remote models report their own).'),
  s('RAGD_EMBED_BATCH_SIZE', z.coerce.number().int().min(1).max(2048), D.DEFAULT_EMBED_BATCH_SIZE, 'Texts per remote embedding call.'),
  s('RAGD_GENERATOR', z.enum(['extractive', 'ollama', 'openai']), 'extractive', 'Answer generator.'),
  s('RAGD_GENERATE_MODEL', z.string().min(1), undefined, 'Generation model (default: extractive-v1 / llama3.2 / gpt-4o-mini by generator).'),
  s('RAGD_GENERATE_MAX_TOKENS', z.coerce.number().int().min(1).max(32768), D.DEFAULT_GENERATE_MAX_TOKENS, 'Most tokens a remote generator may produce per answer.'),
  s('RAGD_GENERATE_TEMPERATURE', z.coerce.number().min(0).max(2), D.DEFAULT_GENERATE_TEMPERATURE, 'Sampling temperature for remote generators.'),
  s('RAGD_OLLAMA_URL', url, D.DEFAULT_OLLAMA_URL, 'Ollama server URL.'),
  s('RAGD_OPENAI_BASE_URL', url, D.DEFAULT_OPENAI_BASE_URL, 'OpenAI-compatible API base URL (ending in /v1).'),
  s('RAGD_OPENAI_API_KEY', z.string().min(1), undefined, 'API key for the OpenAI-compatible provider.', true),
  s('RAGD_CHUNK_SIZE', z.coerce.number().int().min(100).max(20000), D.DEFAULT_CHUNK_SIZE, 'Target chunk size in characters.'),
  s('RAGD_CHUNK_OVERLAP', nonNegativeInt, D.DEFAULT_CHUNK_OVERLAP, 'Characters shared by neighbouring chunks (must be < RAGD_CHUNK_SIZE / 2).'),
  s('RAGD_SEARCH_TOP_K', z.coerce.number().int().min(1).max(D.MAX_TOP_K), D.DEFAULT_SEARCH_TOP_K, 'Default topK for /search.'),
  s('RAGD_QUERY_TOP_K', z.coerce.number().int().min(1).max(D.MAX_TOP_K), D.DEFAULT_QUERY_TOP_K, 'Default topK (sources) for /query.'),
  s('RAGD_RRF_K', positiveInt, D.DEFAULT_RRF_K, 'Reciprocal rank fusion constant for hybrid retrieval.'),
  s('RAGD_HNSW_M', z.coerce.number().int().min(4).max(128), D.DEFAULT_HNSW_M, 'HNSW graph degree (new collections).'),
  s('RAGD_HNSW_EF_CONSTRUCTION', z.coerce.number().int().min(8).max(2048), D.DEFAULT_HNSW_EF_CONSTRUCTION, 'HNSW build beam width.'),
  s('RAGD_HNSW_EF_SEARCH', z.coerce.number().int().min(8).max(4096), D.DEFAULT_HNSW_EF_SEARCH, 'HNSW search beam width.'),
  s('RAGD_INDEX_SAVE_INTERVAL_MS', z.coerce.number().int().min(1000), D.DEFAULT_INDEX_SAVE_INTERVAL_MS, 'How often changed indexes are snapshotted to disk.'),
  s('RAGD_SQLITE_SYNCHRONOUS', z.enum(['full', 'normal']), D.DEFAULT_SQLITE_SYNCHRONOUS, 'SQLite durability: full survives power loss, normal only process crashes.'),
  s('RAGD_HTTP_CONNECTIONS', positiveInt, D.DEFAULT_HTTP_CONNECTIONS, 'Outbound connections in total across provider origins.'),
  s('RAGD_HTTP_CONNECTIONS_PER_HOST', positiveInt, D.DEFAULT_HTTP_CONNECTIONS_PER_HOST, 'Outbound connections per provider origin.'),
  s('RAGD_HTTP_CONNECT_TIMEOUT_MS', positiveInt, D.DEFAULT_HTTP_CONNECT_TIMEOUT_MS, 'Provider connect timeout.'),
  s('RAGD_HTTP_READ_TIMEOUT_MS', positiveInt, D.DEFAULT_HTTP_READ_TIMEOUT_MS, 'Provider read timeout (headers and between body chunks).'),
  s('RAGD_GENERATOR_FALLBACK', generatorList, undefined, 'Generators tried in order when RAGD_GENERATOR fails before its first token, as kind[:model] items, e.g. openai:gpt-4o-mini.'),
  s('RAGD_BREAKER_FAILURE_THRESHOLD', z.coerce.number().int().min(1).max(1000), R.DEFAULT_BREAKER_FAILURE_THRESHOLD, 'Consecutive failures that open a dependency\'s circuit breaker.'),
  s('RAGD_BREAKER_OPEN_MS', z.coerce.number().int().min(100), R.DEFAULT_BREAKER_OPEN_MS, 'How long an open breaker rejects calls before letting a trial through.'),
  s('RAGD_BREAKER_SUCCESS_THRESHOLD', z.coerce.number().int().min(1).max(100), R.DEFAULT_BREAKER_SUCCESS_THRESHOLD, 'Consecutive half-open successes that close the breaker.'),
  s('RAGD_BREAKER_HALF_OPEN_MAX_TRIALS', z.coerce.number().int().min(1).max(100), R.DEFAULT_BREAKER_HALF_OPEN_MAX_TRIALS, 'Trial calls allowed at once while half-open.'),
  s('RAGD_RETRY_MAX_ATTEMPTS', z.coerce.number().int().min(1).max(10), R.DEFAULT_RETRY_MAX_ATTEMPTS, 'Attempts per call, the first included (retries use full-jitter backoff).'),
  s('RAGD_RETRY_BASE_DELAY_MS', z.coerce.number().int().min(1), R.DEFAULT_RETRY_BASE_DELAY_MS, 'Backoff base delay.'),
  s('RAGD_RETRY_MAX_DELAY_MS', z.coerce.number().int().min(1), R.DEFAULT_RETRY_MAX_DELAY_MS, 'Backoff cap.'),
  s('RAGD_RETRY_BUDGET_RATIO', z.coerce.number().min(0).max(1), R.DEFAULT_RETRY_BUDGET_RATIO, 'Retries allowed as a fraction of calls (over 10 s), so retries cannot amplify an outage.'),
  s('RAGD_BULKHEAD_MAX_CONCURRENT', z.coerce.number().int().min(1).max(10000), R.DEFAULT_BULKHEAD_MAX_CONCURRENT, 'Concurrent calls per dependency.'),
  s('RAGD_BULKHEAD_MAX_QUEUE', z.coerce.number().int().min(0).max(100000), R.DEFAULT_BULKHEAD_MAX_QUEUE, 'Calls waiting per dependency before failing fast.'),
  s('RAGD_RESILIENCE', jsonObject, undefined, 'JSON per-dependency overrides, e.g. {"generation:ollama":{"breaker":{"openMs":30000}}} (see docs/resilience.md).'),
  s('RAGD_FAULT_INJECTION', bool, false, 'Enable the admin fault-injection API (chaos tests, game days). Never on in production.'),
  s('RAGD_SHED_MAX_IN_FLIGHT', positiveInt, D.DEFAULT_SHED_MAX_IN_FLIGHT, 'Requests in flight past which new ones get 503 + Retry-After.'),
  s('RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS', positiveInt, D.DEFAULT_SHED_MAX_EVENT_LOOP_DELAY_MS, 'Event-loop delay past which new requests get 503 + Retry-After.'),
  s('RAGD_SHUTDOWN_GRACE_MS', nonNegativeInt, D.DEFAULT_SHUTDOWN_GRACE_MS, 'Time in-flight requests get to finish after SIGTERM/SIGINT.'),
  s('RAGD_CACHE', bool, true, 'Answer caching (exact + semantic) for /api/v1/rag/query; requests can still bypass or refresh it.'),
  s('RAGD_CACHE_L1_TTL_MS', positiveInt, C.DEFAULT_L1_TTL_MS, 'In-memory answer cache freshness.'),
  s('RAGD_CACHE_L1_MAX_ENTRIES', positiveInt, C.DEFAULT_L1_MAX_ENTRIES, 'In-memory answer cache size (LRU).'),
  s('RAGD_CACHE_L2_TTL_MS', positiveInt, C.DEFAULT_L2_TTL_MS, 'How long a cached answer is fresh (Redis tier TTL; past it, answers may still be served stale while the generator is down).'),
  s('RAGD_CACHE_L3_MAX_ENTRIES', positiveInt, C.DEFAULT_L3_MAX_ENTRIES, 'SQLite answer cache size (<data dir>/cache.db), oldest evicted first.'),
  s('RAGD_CACHE_L3_MAX_AGE_MS', positiveInt, C.DEFAULT_L3_MAX_AGE_MS, 'SQLite answer cache maximum age.'),
  s('RAGD_SEMANTIC_CACHE', bool, true, 'Serve answers to near-identical questions (same tenant, collection version, model, mode, filter).'),
  s('RAGD_SEMANTIC_THRESHOLD', z.coerce.number().min(0.5).max(1), C.DEFAULT_SEMANTIC_THRESHOLD, 'Cosine similarity floor for a semantic hit; requests may raise it, never lower it.'),
  s('RAGD_SEMANTIC_MAX_ENTRIES', positiveInt, C.DEFAULT_SEMANTIC_MAX_ENTRIES, 'Semantic cache size (LRU).'),
  s('RAGD_SEMANTIC_TTL_MS', positiveInt, C.DEFAULT_SEMANTIC_TTL_MS, 'Semantic cache entry lifetime.'),
  s('RAGD_SEMANTIC_SHADOW', bool, false, 'Shadow mode: record would-be semantic hits (see /metrics/semantic-cache) without serving them.'),
  s('RAGD_V8_PRETENURING', bool, D.DEFAULT_V8_PRETENURING, "Leave V8's allocation-site pretenuring on in `ragd serve` (default off: it cost semantic cache hits ~10% CPU in GC)."),
  s('RAGD_PRETTY_LOGS', bool, undefined, 'Force pretty (true) or JSON (false) logs; default: pretty only when stdout is a terminal.'),
  s('RAGD_METRICS', bool, D.DEFAULT_METRICS, 'Record Prometheus metrics and serve /metrics; off records nothing (overhead baselines).'),
  s('RAGD_TRACING', bool, undefined, 'OpenTelemetry tracing on or off; unset: on when OTEL_TRACES_EXPORTER=otlp or an OTLP endpoint is set (see docs/observability.md).'),
  s('RAGD_DASHBOARD', bool, D.DEFAULT_DASHBOARD, 'Serve the live dashboard at /dashboard (needs RAGD_METRICS).'),
  s('RAGD_SLO_AVAILABILITY', z.coerce.number().gt(0).lt(1), D.DEFAULT_SLO_AVAILABILITY, 'Availability objective: share of API requests that must not fail with 5xx.'),
  s('RAGD_SLO_LATENCY_P95_MS', positiveInt, D.DEFAULT_SLO_LATENCY_P95_MS, 'Latency SLO: 95% of queries within this many ms (deploy/ rules assume 200).'),
  s('RAGD_SLO_LATENCY_P99_MS', positiveInt, D.DEFAULT_SLO_LATENCY_P99_MS, 'Latency SLO: 99% of queries within this many ms (deploy/ rules assume 500).'),
  s('RAGD_SLO_PERIOD_DAYS', z.coerce.number().int().min(1).max(366), D.DEFAULT_SLO_PERIOD_DAYS, 'Error-budget period of the SLOs, in days.'),
  s('RAGD_AUTH', z.enum(['auto', 'on', 'off']), D.DEFAULT_AUTH, 'Require credentials: auto = on as soon as a service token, JWT key or active API key exists (see docs/security.md).'),
  s('RAGD_SERVICE_TOKEN', secretValue, undefined, 'Shared secret for trusted callers, sent as X-Service-Token (all scopes, tenant from X-Tenant); >= 32 bytes.', true),
  s('RAGD_SERVICE_TOKEN_FILE', z.string().min(1), undefined, 'File holding RAGD_SERVICE_TOKEN (Docker/Kubernetes secrets).'),
  s('RAGD_JWT_SECRET', secretValue, undefined, 'HS256 key for JWT bearer tokens; >= 32 bytes.', true),
  s('RAGD_JWT_SECRET_FILE', z.string().min(1), undefined, 'File holding RAGD_JWT_SECRET.'),
  s('RAGD_JWT_JWKS_URL', url, undefined, 'JWKS endpoint for RS256/ES256 JWTs (needs RAGD_JWT_ISSUER and RAGD_JWT_AUDIENCE).'),
  s('RAGD_JWT_ISSUER', z.string().min(1), undefined, 'Expected JWT `iss`.'),
  s('RAGD_JWT_AUDIENCE', commaList, undefined, 'Expected JWT `aud` (comma-separated: any of).'),
  s('RAGD_JWT_TENANT_CLAIM', claimName, D.DEFAULT_JWT_TENANT_CLAIM, 'JWT claim naming the tenant (absent: `default`).'),
  s('RAGD_JWT_SCOPE_CLAIM', claimName, D.DEFAULT_JWT_SCOPE_CLAIM, 'JWT claim holding scopes (space-separated string or array of query, ingest, admin).'),
  s('RAGD_METRICS_TOKEN', secretValue, undefined, 'Bearer token required on /metrics and /metrics/*; unset: those are open.', true),
  s('RAGD_METRICS_TOKEN_FILE', z.string().min(1), undefined, 'File holding RAGD_METRICS_TOKEN.'),
  s('RAGD_RATE_LIMIT', bool, D.DEFAULT_RATE_LIMIT, 'Per-credential request rate limits (GCRA) per route class.'),
  s('RAGD_RATE_LIMIT_PER_MINUTE', positiveInt, D.DEFAULT_RATE_LIMIT_PER_MINUTE, 'Sustained requests per minute per credential (per IP when anonymous) and route class.'),
  s('RAGD_RATE_LIMIT_BURST', positiveInt, undefined, 'Requests admitted at once after a quiet period (default: RAGD_RATE_LIMIT_PER_MINUTE).'),
  s('RAGD_REDIS_URL', redisUrl, undefined, 'Shared Redis (redis[s]://[:password@]host:port[/db]) so rate limits hold across replicas; unset: per process.', true),
  s('RAGD_TOKEN_BUDGET_PER_MINUTE', nonNegativeInt, D.DEFAULT_TOKEN_BUDGET_PER_MINUTE, 'Model tokens per minute per caller for /query with a remote generator; 0 = no budget.'),
  s('RAGD_CORS_ORIGINS', corsOrigins, undefined, 'Browser origins allowed by CORS, comma-separated (https://app.example.com), or *; unset: none.'),
  s('RAGD_COMPRESSION', bool, D.DEFAULT_COMPRESSION, 'Compress responses over 1 KB with brotli or gzip (never event streams).'),
] as const satisfies readonly Setting[];

export type SettingName = (typeof SETTINGS)[number]['env'];
