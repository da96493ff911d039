/**
 * Loads configuration from (lowest to highest precedence) defaults, an optional JSON file named by
 * RAGD_CONFIG (keys are the RAGD_* names), and the environment. Validation failures throw a
 * RagdError(RAGD_ERR_CONFIG) whose message names each bad setting and what it accepts.
 */
import { readFileSync } from 'node:fs';
import { RagdError } from '../errors/ragd-error.js';
import { DEFAULT_GENERATE_MODELS, DEFAULT_MODELS } from './defaults.js';
import type { Config } from './config.js';
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
  if (problems.length > 0) {
    throw new RagdError('RAGD_ERR_CONFIG', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return values;
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
    shedding: { maxInFlight: v.RAGD_SHED_MAX_IN_FLIGHT as number, maxEventLoopDelayMs: v.RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS as number },
    shutdownGraceMs: v.RAGD_SHUTDOWN_GRACE_MS as number,
    http: {
      connections: v.RAGD_HTTP_CONNECTIONS as number,
      connectionsPerHost: v.RAGD_HTTP_CONNECTIONS_PER_HOST as number,
      connectTimeoutMs: v.RAGD_HTTP_CONNECT_TIMEOUT_MS as number,
      readTimeoutMs: v.RAGD_HTTP_READ_TIMEOUT_MS as number,
    },
  };
}
