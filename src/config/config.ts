/** The validated, typed configuration every module receives (never raw process.env). */
import type { EmbedderKind } from '../providers/embedder.js';
import type { GeneratorKind } from '../providers/generator.js';

export interface Config {
  server: { host: string; port: number; bodyLimitBytes: number; requestTimeoutMs: number; v8Pretenuring: boolean };
  dataDir: string;
  log: { level: string; pretty: boolean | undefined };
  store: { sqliteSynchronous: 'full' | 'normal'; indexSaveIntervalMs: number };
  index: { hnswM: number; hnswEfConstruction: number; hnswEfSearch: number };
  chunking: { size: number; overlap: number };
  embedder: { kind: EmbedderKind; model: string; dimensions: number; batchSize: number };
  generator: { kind: GeneratorKind; model: string; maxTokens: number; temperature: number };
  ollama: { url: string };
  openai: { baseUrl: string; apiKey: string | undefined };
  retrieval: { searchTopK: number; queryTopK: number; rrfK: number };
  resilience: {
    generatorFallback: { kind: GeneratorKind; model: string }[];
    breaker: { failureThreshold: number; openMs: number; successThreshold: number; halfOpenMaxTrials: number };
    retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; budgetRatio: number };
    bulkhead: { maxConcurrent: number; maxQueue: number };
    /** Per-dependency overrides (RAGD_RESILIENCE), validated when the registry is built. */
    overrides: Record<string, unknown>;
    faultInjection: boolean;
  };
  shedding: { maxInFlight: number; maxEventLoopDelayMs: number };
  cache: {
    enabled: boolean;
    l1TtlMs: number;
    l1MaxEntries: number;
    l2TtlMs: number;
    l3MaxEntries: number;
    l3MaxAgeMs: number;
    semantic: { enabled: boolean; threshold: number; maxEntries: number; ttlMs: number; shadow: boolean };
  };
  shutdownGraceMs: number;
  http: { connections: number; connectionsPerHost: number; connectTimeoutMs: number; readTimeoutMs: number };
  observability: {
    metrics: boolean;
    /** Undefined: decided by the OTEL_* variables (observability/tracing-env.ts). */
    tracing: boolean | undefined;
    dashboard: boolean;
    slo: { availability: number; latencyP95Ms: number; latencyP99Ms: number; periodDays: number };
  };
  auth: {
    mode: 'auto' | 'on' | 'off';
    serviceToken: SecretSetting;
    metricsToken: SecretSetting;
    jwt: {
      secret: SecretSetting;
      jwksUrl: string | undefined;
      issuer: string | undefined;
      audience: string[] | undefined;
      tenantClaim: string;
      scopeClaim: string;
    };
  };
  rateLimit: { enabled: boolean; perMinute: number; burst: number | undefined; tokenBudgetPerMinute: number };
  redis: { url: string | undefined };
  /** Browser origins allowed by CORS; empty: CORS is not enabled. */
  cors: { origins: string[] };
  compression: boolean;
}

/** A secret given inline (`RAGD_X`) or as a file (`RAGD_X_FILE`); read and checked by auth/secrets.ts at start. */
export interface SecretSetting {
  /** The setting's name for messages, e.g. `RAGD_SERVICE_TOKEN`. */
  name: string;
  value: string | undefined;
  file: string | undefined;
}
