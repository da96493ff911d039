/**
 * OpenAIEmbedder: embeddings from an OpenAI-compatible POST {baseUrl}/embeddings, batched,
 * put back in input order by `index`, L2-normalised, with the dimension count learned from the
 * first response and checked on every later one.
 */
import { DEFAULT_EMBED_BATCH_SIZE } from '../../config/defaults.js';
import { NOOP_TRACING } from '../../observability/tracing.js';
import { usageAttributes } from '../../observability/tracing-attributes.js';
import type { Tracing } from '../../observability/tracing-types.js';
import type { ProviderTrace } from '../../observability/tracing-provider.js';
import type { CallOptions } from '../call-options.js';
import type { Embedder } from '../embedder.js';
import type { ProviderDispatchers } from '../http/dispatcher-pool.js';
import { batches, checkBatchSize, normaliseBatch } from '../http/embedding-batches.js';
import { endpoint } from '../http/endpoint.js';
import { responseError } from '../http/provider-error.js';
import { requestJson } from '../http/request.js';
import { EmbeddingsResponse, OPENAI_PATHS, authHeaders, probeOpenAI, secretsOf } from './openai-wire.js';

export interface OpenAIEmbedderOptions {
  /** API base including the version, e.g. https://api.openai.com/v1 (RAGD_OPENAI_BASE_URL). */
  baseUrl: string;
  /** e.g. text-embedding-3-small. */
  model: string;
  /** Sent as a bearer token when set; never logged or echoed in errors. */
  apiKey?: string | undefined;
  /** Texts per request. Defaults to 64 (RAGD_EMBED_BATCH_SIZE). */
  batchSize?: number;
  /** Shared connection pools; not closed by `close()`. */
  dispatchers: ProviderDispatchers;
  /** Clock, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** Each /embeddings call becomes an `embeddings <model>` client span. Defaults to no tracing. */
  tracing?: Tracing;
}

export class OpenAIEmbedder implements Embedder {
  readonly kind = 'openai' as const;
  readonly model: string;
  readonly #baseUrl: string;
  readonly #embedUrl: URL;
  readonly #apiKey: string | undefined;
  readonly #batchSize: number;
  readonly #dispatchers: ProviderDispatchers;
  readonly #now: (() => number) | undefined;
  readonly #trace: ProviderTrace;
  #dimensions: number | undefined;

  /** @throws RagdError RAGD_ERR_CONFIG for an invalid URL or batch size. */
  constructor(options: OpenAIEmbedderOptions) {
    this.model = options.model;
    this.#baseUrl = options.baseUrl;
    this.#embedUrl = endpoint(options.baseUrl, OPENAI_PATHS.embeddings);
    this.#apiKey = options.apiKey;
    this.#batchSize = checkBatchSize(options.batchSize ?? DEFAULT_EMBED_BATCH_SIZE, 'openai');
    this.#dispatchers = options.dispatchers;
    this.#now = options.now;
    // Built once: every call shares it, and the HTTP layer skips it entirely while tracing is off.
    this.#trace = {
      tracing: options.tracing ?? NOOP_TRACING,
      call: { system: 'openai', operation: 'embeddings', model: this.model, url: this.#embedUrl },
      // Read without validation (the body can hold thousands of floats): only two small fields matter.
      responseAttributes: (body) => {
        const b = body as { model?: unknown; usage?: { prompt_tokens?: unknown } } | null;
        return usageAttributes({
          inputTokens: typeof b?.usage?.prompt_tokens === 'number' ? b.usage.prompt_tokens : undefined,
          responseModel: typeof b?.model === 'string' ? b.model : undefined,
        });
      },
    };
  }

  /** Learned from the first successful response; undefined before it. */
  get dimensions(): number | undefined {
    return this.#dimensions;
  }

  /**
   * Embeds `texts` in order, one request per batch, sequentially under one deadline.
   * @throws RagdError RAGD_ERR_PROVIDER_* / RAGD_ERR_TIMEOUT / RAGD_ERR_CLIENT_CLOSED (see requestJson);
   *   RAGD_ERR_PROVIDER_RESPONSE when the shape, indexes, count or dimensions are wrong.
   */
  async embed(texts: string[], options: CallOptions): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.#batchSize)) {
      const json = await requestJson({
        ...options,
        dispatcher: this.#dispatchers.get(this.#embedUrl),
        url: this.#embedUrl,
        headers: authHeaders(this.#apiKey),
        body: { model: this.model, input: batch, encoding_format: 'float' },
        provider: 'openai',
        secrets: secretsOf(this.#apiKey),
        ...(this.#now === undefined ? {} : { now: this.#now }),
        trace: this.#trace,
      });
      const parsed = EmbeddingsResponse.safeParse(json);
      if (!parsed.success) throw responseError('openai', 'expected {data: [{index, embedding}]} from /embeddings');
      const ordered = inInputOrder(parsed.data.data, batch.length);
      const { vectors, dimensions } = normaliseBatch('openai', ordered, batch.length, this.#dimensions);
      this.#dimensions = dimensions;
      out.push(...vectors);
    }
    return out;
  }

  /** GET {baseUrl}/models (see probeOpenAI). */
  probe(options: CallOptions): Promise<void> {
    return probeOpenAI(
      {
        baseUrl: this.#baseUrl,
        apiKey: this.#apiKey,
        dispatchers: this.#dispatchers,
        ...(this.#now === undefined ? {} : { now: this.#now }),
      },
      options,
    );
  }

  /** Nothing to release: the connection pools belong to whoever created the ProviderDispatchers. */
  async close(): Promise<void> {}
}

/** Sorts by `index` when every item has one; the indexes must then be exactly 0..count-1. */
function inInputOrder(items: { index?: number | undefined; embedding: number[] }[], count: number): number[][] {
  if (items.some((item) => item.index === undefined)) return items.map((item) => item.embedding);
  const ordered: number[][] = new Array<number[]>(items.length);
  for (const item of items) {
    const at = item.index as number;
    if (at >= count || ordered[at] !== undefined) throw responseError('openai', `embedding index ${at} is out of range or repeated`);
    ordered[at] = item.embedding;
  }
  return ordered;
}
