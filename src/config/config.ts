/** The validated, typed configuration every module receives (never raw process.env). */
import type { EmbedderKind } from '../providers/embedder.js';
import type { GeneratorKind } from '../providers/generator.js';

export interface Config {
  server: { host: string; port: number; bodyLimitBytes: number; requestTimeoutMs: number };
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
  shutdownGraceMs: number;
  http: { connections: number; connectionsPerHost: number; connectTimeoutMs: number; readTimeoutMs: number };
}
