/**
 * The span tree ragd emits, by name: an HTTP server span per request, stage spans under it
 * (`rag.embed`, `rag.search`, `rag.generate`, `cache.lookup`), and a client span per provider call
 * carrying OpenTelemetry's gen-AI attributes. Keys are written out as strings (checked against
 * @opentelemetry/semantic-conventions 1.x by the tests) so this module imports nothing and costs
 * nothing when tracing is off. The gen-AI conventions are still "development" status upstream;
 * `gen_ai.system` is set together with its successor `gen_ai.provider.name` so either query works.
 */
import type { SpanAttributes } from './tracing-types.js';

/** Stage span names, children of the server span. */
export const SPAN_NAMES = {
  embed: 'rag.embed',
  search: 'rag.search',
  generate: 'rag.generate',
  cacheLookup: 'cache.lookup',
} as const;

/** Attribute keys ragd sets. Stable semantic conventions first, then gen-AI, then ragd's own. */
export const ATTR = {
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',

  genAiSystem: 'gen_ai.system',
  genAiProvider: 'gen_ai.provider.name',
  genAiOperation: 'gen_ai.operation.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiResponseModel: 'gen_ai.response.model',
  genAiMaxTokens: 'gen_ai.request.max_tokens',
  genAiTemperature: 'gen_ai.request.temperature',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',

  requestId: 'ragd.request_id',
  collection: 'ragd.collection',
  retrievalMode: 'ragd.retrieval.mode',
  topK: 'ragd.retrieval.top_k',
  hits: 'ragd.retrieval.hits',
  degraded: 'ragd.degraded',
  generatorModel: 'ragd.generator.model',
  sources: 'ragd.generator.sources',
  cacheResult: 'ragd.cache.result',
  cacheTier: 'ragd.cache.tier',
} as const;

/** `gen_ai.operation.name` values ragd performs. */
export type GenAiOperation = 'chat' | 'embeddings';

/** What a provider call span describes. */
export interface ProviderCallInfo {
  /** `gen_ai.system`: `ollama` or `openai` (an OpenAI-compatible server is still `openai`). */
  system: string;
  operation: GenAiOperation;
  /** The model asked for. */
  model: string;
  /** The request URL; only host and port are recorded (never the path or query). */
  url: string | URL;
  /** `gen_ai.request.max_tokens`, for chat. */
  maxTokens?: number;
  /** `gen_ai.request.temperature`, for chat. */
  temperature?: number;
}

/** Server span name per the HTTP conventions: `POST /api/v1/rag/query`, or just the method when no route matched. */
export function serverSpanName(method: string, route: string | undefined): string {
  return route ? `${method} ${route}` : method;
}

/** Client span name per the gen-AI conventions: `{operation} {model}`, e.g. `chat llama3.2`. */
export function providerSpanName(info: ProviderCallInfo): string {
  return `${info.operation} ${info.model}`;
}

/** Attributes of a provider client span, known before the call. */
export function providerSpanAttributes(info: ProviderCallInfo): SpanAttributes {
  const url = typeof info.url === 'string' ? new URL(info.url) : info.url;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return {
    [ATTR.genAiSystem]: info.system,
    [ATTR.genAiProvider]: info.system,
    [ATTR.genAiOperation]: info.operation,
    [ATTR.genAiRequestModel]: info.model,
    [ATTR.genAiMaxTokens]: info.maxTokens,
    [ATTR.genAiTemperature]: info.temperature,
    [ATTR.serverAddress]: url.hostname,
    [ATTR.serverPort]: port,
  };
}

/** Token usage reported by the provider, set on its span when the response (or stream) ends. */
export function usageAttributes(usage: { inputTokens?: number; outputTokens?: number; responseModel?: string }): SpanAttributes {
  return {
    [ATTR.genAiInputTokens]: usage.inputTokens,
    [ATTR.genAiOutputTokens]: usage.outputTokens,
    [ATTR.genAiResponseModel]: usage.responseModel,
  };
}
