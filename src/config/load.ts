/**
 * Loads configuration from (lowest to highest precedence) defaults, an optional JSON file named by
 * RAGD_CONFIG (keys are the RAGD_* names), and the environment. Validation failures throw a
 * RagdError(RAGD_ERR_CONFIG) whose message names each bad setting and what it accepts.
 */
import { readFileSync } from 'node:fs';
import { RagdError } from '../errors/ragd-error.js';
import { DEFAULT_GENERATE_MODELS, DEFAULT_MODELS } from './defaults.js';
import type { Config, SecretSetting } from './config.js';
import { SETTINGS, type Setting } from './settings.js';

type Raw = Record<string, unknown>;

function describeAllowed(setting: Setting): string {
  const def = setting.schema.def as { type?: string; entries?: Record<string, string> };
  if (def.type === 'enum' && def.entries) return `one of ${Object.values(def.entries).join(', ')}`;
  return `see docs/configuration.md`;
}

function readFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RagdError('RAGD_ERR_CONFIG', `RAGD_CONFIG: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Raw;
  } catch (err) {
    throw new RagdError('RAGD_ERR_CONFIG', `RAGD_CONFIG: ${path} is not a JSON object of RAGD_* settings: ${(err as Error).message}`);
  }
}

/** Returns the validated values by setting name. */
export function resolveSettings(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const file = env.RAGD_CONFIG ? readFile(env.RAGD_CONFIG) : {};
  const known = new Set<string>(SETTINGS.map((x) => x.env));
  const problems: string[] = [];
  for (const key of Object.keys(file)) {
    if (!known.has(key)) problems.push(`${key} (in ${env.RAGD_CONFIG}): unknown setting`);
  }
  const values: Record<string, unknown> = {};
  for (const setting of SETTINGS as readonly Setting[]) {
    const fromEnv = env[setting.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : file[setting.env];
    if (raw === undefined) {
      values[setting.env] = setting.default;
      continue;
    }
    const parsed = setting.schema.safeParse(raw);
    if (parsed.success) values[setting.env] = parsed.data;
    else {
      const shown = setting.secret ? '(hidden)' : JSON.stringify(raw);
      const issue = parsed.error.issues[0]?.message ?? 'invalid';
      problems.push(`${setting.env}=${shown}: ${issue}; allowed: ${describeAllowed(setting)}`);
    }
  }
  const size = values.RAGD_CHUNK_SIZE as number;
  const overlap = values.RAGD_CHUNK_OVERLAP as number;
  if (typeof size === 'number' && typeof overlap === 'number' && overlap * 2 >= size) {
    problems.push(`RAGD_CHUNK_OVERLAP=${overlap}: must be less than half of RAGD_CHUNK_SIZE (${size})`);
  }
  const p95 = values.RAGD_SLO_LATENCY_P95_MS as number;
  const p99 = values.RAGD_SLO_LATENCY_P99_MS as number;
  if (typeof p95 === 'number' && typeof p99 === 'number' && p99 < p95) {
    problems.push(`RAGD_SLO_LATENCY_P99_MS=${p99}: must be at least RAGD_SLO_LATENCY_P95_MS (${p95})`);
  }
  problems.push(...authProblems(values));
  if (problems.length > 0) {
    throw new RagdError('RAGD_ERR_CONFIG', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return values;
}

/** Secrets that may come inline or from a `_FILE`, and the cross-setting rules of the auth settings. */
const SECRET_SETTINGS = ['RAGD_SERVICE_TOKEN', 'RAGD_JWT_SECRET', 'RAGD_METRICS_TOKEN'] as const;

function authProblems(v: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const name of SECRET_SETTINGS) {
    if (v[name] !== undefined && v[`${name}_FILE`] !== undefined) problems.push(`${name} and ${name}_FILE: set one, not both`);
  }
  if (v.RAGD_JWT_JWKS_URL !== undefined && (v.RAGD_JWT_ISSUER === undefined || v.RAGD_JWT_AUDIENCE === undefined)) {
    problems.push('RAGD_JWT_JWKS_URL: needs RAGD_JWT_ISSUER and RAGD_JWT_AUDIENCE, because an identity provider signs tokens for many audiences');
  }
  return problems;
}

function secret(v: Record<string, unknown>, name: (typeof SECRET_SETTINGS)[number]): SecretSetting {
  return { name, value: v[name] as string | undefined, file: v[`${name}_FILE`] as string | undefined };
}

function parseGeneratorList(value: string | undefined): { kind: Config['generator']['kind']; model: string }[] {
  if (!value) return [];
  return value.split(',').map((item) => {
    const [kind, ...rest] = item.trim().split(':') as [Config['generator']['kind'], ...string[]];
    return { kind, model: rest.length ? rest.join(':') : DEFAULT_GENERATE_MODELS[kind] };
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const v = resolveSettings(env);
  const embedKind = v.RAGD_EMBEDDER as Config['embedder']['kind'];
  const genKind = v.RAGD_GENERATOR as Config['generator']['kind'];
  return {
    server: {
      host: v.RAGD_HOST as string,
      port: v.RAGD_PORT as number,
      bodyLimitBytes: v.RAGD_BODY_LIMIT_BYTES as number,
      requestTimeoutMs: v.RAGD_REQUEST_TIMEOUT_MS as number,
      v8Pretenuring: v.RAGD_V8_PRETENURING as boolean,
    },
    dataDir: v.RAGD_DATA_DIR as string,
    log: { level: v.RAGD_LOG_LEVEL as string, pretty: v.RAGD_PRETTY_LOGS as boolean | undefined },
    store: {
      sqliteSynchronous: v.RAGD_SQLITE_SYNCHRONOUS as 'full' | 'normal',
      indexSaveIntervalMs: v.RAGD_INDEX_SAVE_INTERVAL_MS as number,
    },
    index: {
      hnswM: v.RAGD_HNSW_M as number,
      hnswEfConstruction: v.RAGD_HNSW_EF_CONSTRUCTION as number,
      hnswEfSearch: v.RAGD_HNSW_EF_SEARCH as number,
    },
    chunking: { size: v.RAGD_CHUNK_SIZE as number, overlap: v.RAGD_CHUNK_OVERLAP as number },
    embedder: {
      kind: embedKind,
      model: (v.RAGD_EMBED_MODEL as string | undefined) ?? DEFAULT_MODELS[embedKind],
      dimensions: v.RAGD_EMBED_DIMENSIONS as number,
      batchSize: v.RAGD_EMBED_BATCH_SIZE as number,
    },
    generator: {
      kind: genKind,
      model: (v.RAGD_GENERATE_MODEL as string | undefined) ?? DEFAULT_GENERATE_MODELS[genKind],
      maxTokens: v.RAGD_GENERATE_MAX_TOKENS as number,
      temperature: v.RAGD_GENERATE_TEMPERATURE as number,
    },
    ollama: { url: v.RAGD_OLLAMA_URL as string },
    openai: { baseUrl: v.RAGD_OPENAI_BASE_URL as string, apiKey: v.RAGD_OPENAI_API_KEY as string | undefined },
    retrieval: {
      searchTopK: v.RAGD_SEARCH_TOP_K as number,
      queryTopK: v.RAGD_QUERY_TOP_K as number,
      rrfK: v.RAGD_RRF_K as number,
    },
    resilience: {
      generatorFallback: parseGeneratorList(v.RAGD_GENERATOR_FALLBACK as string | undefined),
      breaker: {
        failureThreshold: v.RAGD_BREAKER_FAILURE_THRESHOLD as number,
        openMs: v.RAGD_BREAKER_OPEN_MS as number,
        successThreshold: v.RAGD_BREAKER_SUCCESS_THRESHOLD as number,
        halfOpenMaxTrials: v.RAGD_BREAKER_HALF_OPEN_MAX_TRIALS as number,
      },
      retry: {
        maxAttempts: v.RAGD_RETRY_MAX_ATTEMPTS as number,
        baseDelayMs: v.RAGD_RETRY_BASE_DELAY_MS as number,
        maxDelayMs: v.RAGD_RETRY_MAX_DELAY_MS as number,
        budgetRatio: v.RAGD_RETRY_BUDGET_RATIO as number,
      },
      bulkhead: { maxConcurrent: v.RAGD_BULKHEAD_MAX_CONCURRENT as number, maxQueue: v.RAGD_BULKHEAD_MAX_QUEUE as number },
      overrides: (v.RAGD_RESILIENCE as Record<string, unknown> | undefined) ?? {},
      faultInjection: v.RAGD_FAULT_INJECTION as boolean,
    },
    cache: {
      enabled: v.RAGD_CACHE as boolean,
      l1TtlMs: v.RAGD_CACHE_L1_TTL_MS as number,
      l1MaxEntries: v.RAGD_CACHE_L1_MAX_ENTRIES as number,
      l2TtlMs: v.RAGD_CACHE_L2_TTL_MS as number,
      l3MaxEntries: v.RAGD_CACHE_L3_MAX_ENTRIES as number,
      l3MaxAgeMs: v.RAGD_CACHE_L3_MAX_AGE_MS as number,
      semantic: {
        enabled: v.RAGD_SEMANTIC_CACHE as boolean,
        threshold: v.RAGD_SEMANTIC_THRESHOLD as number,
        maxEntries: v.RAGD_SEMANTIC_MAX_ENTRIES as number,
        ttlMs: v.RAGD_SEMANTIC_TTL_MS as number,
        shadow: v.RAGD_SEMANTIC_SHADOW as boolean,
      },
    },
    shedding: { maxInFlight: v.RAGD_SHED_MAX_IN_FLIGHT as number, maxEventLoopDelayMs: v.RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS as number },
    shutdownGraceMs: v.RAGD_SHUTDOWN_GRACE_MS as number,
    http: {
      connections: v.RAGD_HTTP_CONNECTIONS as number,
      connectionsPerHost: v.RAGD_HTTP_CONNECTIONS_PER_HOST as number,
      connectTimeoutMs: v.RAGD_HTTP_CONNECT_TIMEOUT_MS as number,
      readTimeoutMs: v.RAGD_HTTP_READ_TIMEOUT_MS as number,
    },
    observability: {
      metrics: v.RAGD_METRICS as boolean,
      tracing: v.RAGD_TRACING as boolean | undefined,
      dashboard: v.RAGD_DASHBOARD as boolean,
      slo: {
        availability: v.RAGD_SLO_AVAILABILITY as number,
        latencyP95Ms: v.RAGD_SLO_LATENCY_P95_MS as number,
        latencyP99Ms: v.RAGD_SLO_LATENCY_P99_MS as number,
        periodDays: v.RAGD_SLO_PERIOD_DAYS as number,
      },
    },
    auth: {
      mode: v.RAGD_AUTH as Config['auth']['mode'],
      serviceToken: secret(v, 'RAGD_SERVICE_TOKEN'),
      metricsToken: secret(v, 'RAGD_METRICS_TOKEN'),
      jwt: {
        secret: secret(v, 'RAGD_JWT_SECRET'),
        jwksUrl: v.RAGD_JWT_JWKS_URL as string | undefined,
        issuer: v.RAGD_JWT_ISSUER as string | undefined,
        audience: v.RAGD_JWT_AUDIENCE as string[] | undefined,
        tenantClaim: v.RAGD_JWT_TENANT_CLAIM as string,
        scopeClaim: v.RAGD_JWT_SCOPE_CLAIM as string,
      },
    },
    rateLimit: {
      enabled: v.RAGD_RATE_LIMIT as boolean,
      perMinute: v.RAGD_RATE_LIMIT_PER_MINUTE as number,
      burst: v.RAGD_RATE_LIMIT_BURST as number | undefined,
      tokenBudgetPerMinute: v.RAGD_TOKEN_BUDGET_PER_MINUTE as number,
    },
    redis: { url: v.RAGD_REDIS_URL as string | undefined },
    cors: { origins: (v.RAGD_CORS_ORIGINS as string[] | undefined) ?? [] },
    compression: v.RAGD_COMPRESSION as boolean,
  };
}
