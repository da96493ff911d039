/**
 * OllamaEmbedder: embeddings from an Ollama server's POST /api/embed, batched, L2-normalised,
 * with the dimension count learned from the first response and checked on every later one.
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
import { EmbedResponse, OLLAMA_PATHS, probeOllama } from './ollama-wire.js';

export interface OllamaEmbedderOptions {
  /** Server base URL, e.g. http://127.0.0.1:11434 (RAGD_OLLAMA_URL). */
  url: string;
  /** e.g. nomic-embed-text. */
  model: string;
  /** Texts per request. Defaults to 64 (RAGD_EMBED_BATCH_SIZE). */
  batchSize?: number;
  /** Shared connection pools; not closed by `close()`. */
  dispatchers: ProviderDispatchers;
  /** Clock, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** Each /api/embed call becomes an `embeddings <model>` client span. Defaults to no tracing. */
  tracing?: Tracing;
}

export class OllamaEmbedder implements Embedder {
  readonly kind = 'ollama' as const;
  readonly model: string;
  readonly #url: string;
  readonly #embedUrl: URL;
  readonly #batchSize: number;
  readonly #dispatchers: ProviderDispatchers;
  readonly #now: (() => number) | undefined;
  readonly #trace: ProviderTrace;
  #dimensions: number | undefined;

  /** @throws RagdError RAGD_ERR_CONFIG for an invalid URL or batch size. */
  constructor(options: OllamaEmbedderOptions) {
    this.model = options.model;
    this.#url = options.url;
    this.#embedUrl = endpoint(options.url, OLLAMA_PATHS.embed);
    this.#batchSize = checkBatchSize(options.batchSize ?? DEFAULT_EMBED_BATCH_SIZE, 'ollama');
    this.#dispatchers = options.dispatchers;
    this.#now = options.now;
    // Built once: every call shares it, and the HTTP layer skips it entirely while tracing is off.
    this.#trace = {
      tracing: options.tracing ?? NOOP_TRACING,
      call: { system: 'ollama', operation: 'embeddings', model: this.model, url: this.#embedUrl },
      // Read without validation (the body can hold thousands of floats): only one small field matters.
      responseAttributes: (body) => {
        const count = (body as { prompt_eval_count?: unknown } | null)?.prompt_eval_count;
        return usageAttributes({ inputTokens: typeof count === 'number' ? count : undefined, responseModel: this.model });
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
   *   RAGD_ERR_PROVIDER_RESPONSE when the shape, count or dimensions are wrong.
   */
  async embed(texts: string[], options: CallOptions): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of batches(texts, this.#batchSize)) {
      const json = await requestJson({
        ...options,
        dispatcher: this.#dispatchers.get(this.#embedUrl),
        url: this.#embedUrl,
        body: { model: this.model, input: batch },
        provider: 'ollama',
        ...(this.#now === undefined ? {} : { now: this.#now }),
        trace: this.#trace,
      });
      const parsed = EmbedResponse.safeParse(json);
      if (!parsed.success) throw responseError('ollama', 'expected {embeddings: number[][]} from /api/embed');
      const { vectors, dimensions } = normaliseBatch('ollama', parsed.data.embeddings, batch.length, this.#dimensions);
      this.#dimensions = dimensions;
      out.push(...vectors);
    }
    return out;
  }

  /** GET /api/tags and check the model is pulled (see probeOllama). */
  probe(options: CallOptions): Promise<void> {
    return probeOllama(
      { url: this.#url, model: this.model, dispatchers: this.#dispatchers, ...(this.#now === undefined ? {} : { now: this.#now }) },
      options,
    );
  }

  /** Nothing to release: the connection pools belong to whoever created the ProviderDispatchers. */
  async close(): Promise<void> {}
}
