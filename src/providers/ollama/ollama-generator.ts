/**
 * OllamaGenerator: streams a grounded answer from an Ollama server's POST /api/chat (NDJSON).
 * The stream must end with a `done: true` line; an `{error}` line or a body that ends before it
 * is thrown as an error, never treated as a clean (truncated) answer.
 */
import { DEFAULT_GENERATE_MAX_TOKENS, DEFAULT_GENERATE_TEMPERATURE } from '../../config/defaults.js';
import { NOOP_TRACING } from '../../observability/tracing.js';
import { usageAttributes } from '../../observability/tracing-attributes.js';
import type { Tracing } from '../../observability/tracing-types.js';
import type { CallOptions } from '../call-options.js';
import type { GenerateEvent, GenerateRequest, Generator } from '../generator.js';
import type { ProviderDispatchers } from '../http/dispatcher-pool.js';
import { endpoint } from '../http/endpoint.js';
import { readNdjson } from '../http/ndjson-reader.js';
import { responseError, streamedError } from '../http/provider-error.js';
import { openStream, type UpstreamStream } from '../http/request.js';
import { buildGroundedPrompt } from '../prompt.js';
import { ChatLine, OLLAMA_PATHS, probeOllama } from './ollama-wire.js';

export interface OllamaGeneratorOptions {
  /** Server base URL, e.g. http://127.0.0.1:11434 (RAGD_OLLAMA_URL). */
  url: string;
  /** e.g. llama3.2. */
  model: string;
  /** Default for requests without maxTokens (sent as num_predict). Defaults to 512. */
  maxTokens?: number;
  /** Default for requests without temperature. Defaults to 0.1. */
  temperature?: number;
  /** Shared connection pools; not closed by `close()`. */
  dispatchers: ProviderDispatchers;
  /** Clock, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** Each chat call becomes a `chat <model>` client span. Defaults to no tracing. */
  tracing?: Tracing;
}

export class OllamaGenerator implements Generator {
  readonly kind = 'ollama' as const;
  readonly model: string;
  readonly #url: string;
  readonly #chatUrl: URL;
  readonly #maxTokens: number;
  readonly #temperature: number;
  readonly #dispatchers: ProviderDispatchers;
  readonly #now: (() => number) | undefined;
  readonly #tracing: Tracing;

  /** @throws RagdError RAGD_ERR_CONFIG for an invalid URL. */
  constructor(options: OllamaGeneratorOptions) {
    this.model = options.model;
    this.#url = options.url;
    this.#chatUrl = endpoint(options.url, OLLAMA_PATHS.chat);
    this.#maxTokens = options.maxTokens ?? DEFAULT_GENERATE_MAX_TOKENS;
    this.#temperature = options.temperature ?? DEFAULT_GENERATE_TEMPERATURE;
    this.#dispatchers = options.dispatchers;
    this.#now = options.now;
    this.#tracing = options.tracing ?? NOOP_TRACING;
  }

  /**
   * Yields `delta` events as the model writes, then one `usage`.
   * @throws RagdError as `openStream` before the first delta; afterwards RAGD_ERR_PROVIDER_UNAVAILABLE
   *   (connection lost, `{error}` line), RAGD_ERR_PROVIDER_RESPONSE (bad line, no `done: true`),
   *   RAGD_ERR_TIMEOUT or RAGD_ERR_CLIENT_CLOSED.
   */
  async *stream(request: GenerateRequest, options: CallOptions): AsyncGenerator<GenerateEvent, void, undefined> {
    const maxTokens = request.maxTokens ?? this.#maxTokens;
    const temperature = request.temperature ?? this.#temperature;
    const upstream = await openStream(
      {
        ...options,
        dispatcher: this.#dispatchers.get(this.#chatUrl),
        url: this.#chatUrl,
        body: {
          model: this.model,
          messages: buildGroundedPrompt(request.question, request.sources),
          stream: true,
          options: { temperature, num_predict: maxTokens },
        },
        provider: 'ollama',
        ...(this.#now === undefined ? {} : { now: this.#now }),
        trace: this.#tracing.enabled
          ? { tracing: this.#tracing, call: { system: 'ollama', operation: 'chat', model: this.model, url: this.#chatUrl, maxTokens, temperature } }
          : undefined,
      },
      'application/x-ndjson',
    );
    const span = upstream.span;
    try {
      yield* this.#read(upstream);
    } catch (err) {
      span.fail(err);
      throw err;
    } finally {
      span.end();
    }
  }

  async *#read(upstream: UpstreamStream): AsyncGenerator<GenerateEvent, void, undefined> {
    let usage: (GenerateEvent & { type: 'usage' }) | undefined;
    for await (const value of readNdjson(upstream.chunks(), 'ollama')) {
      upstream.throwIfAborted();
      const parsed = ChatLine.safeParse(value);
      if (!parsed.success) throw responseError('ollama', 'unexpected /api/chat stream line');
      const line = parsed.data;
      if (line.error !== undefined) throw streamedError('ollama', line.error);
      const text = line.message?.content ?? '';
      if (text !== '') yield { type: 'delta', text };
      if (line.done === true) {
        upstream.complete();
        usage = { type: 'usage', promptTokens: line.prompt_eval_count ?? 0, completionTokens: line.eval_count ?? 0 };
        break;
      }
    }
    if (usage === undefined) throw responseError('ollama', 'stream ended before the done:true line');
    if (upstream.span.recording) {
      upstream.span.setAttributes(usageAttributes({ inputTokens: usage.promptTokens, outputTokens: usage.completionTokens, responseModel: this.model }));
    }
    yield usage;
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
