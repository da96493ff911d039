/**
 * OpenAIGenerator: streams a grounded answer from an OpenAI-compatible POST
 * {baseUrl}/chat/completions (server-sent events). The stream must end with `data: [DONE]`; an
 * in-stream `{"error": ...}` or a body that ends before [DONE] is thrown as an error, never
 * treated as a clean (truncated) answer.
 */
import { DEFAULT_GENERATE_MAX_TOKENS, DEFAULT_GENERATE_TEMPERATURE } from '../../config/defaults.js';
import { NOOP_TRACING } from '../../observability/tracing.js';
import { usageAttributes } from '../../observability/tracing-attributes.js';
import type { Tracing } from '../../observability/tracing-types.js';
import type { CallOptions } from '../call-options.js';
import type { GenerateEvent, GenerateRequest, Generator } from '../generator.js';
import type { ProviderDispatchers } from '../http/dispatcher-pool.js';
import { endpoint } from '../http/endpoint.js';
import { responseError, streamedError } from '../http/provider-error.js';
import { openStream, type UpstreamStream } from '../http/request.js';
import { readSse } from '../http/sse-reader.js';
import { buildGroundedPrompt } from '../prompt.js';
import { ChatChunk, OPENAI_PATHS, authHeaders, probeOpenAI, secretsOf } from './openai-wire.js';

export interface OpenAIGeneratorOptions {
  /** API base including the version, e.g. https://api.openai.com/v1 (RAGD_OPENAI_BASE_URL). */
  baseUrl: string;
  /** e.g. gpt-4o-mini. */
  model: string;
  /** Sent as a bearer token when set; never logged or echoed in errors. */
  apiKey?: string | undefined;
  /** Default for requests without maxTokens (sent as max_tokens). Defaults to 512. */
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

export class OpenAIGenerator implements Generator {
  readonly kind = 'openai' as const;
  readonly model: string;
  readonly #baseUrl: string;
  readonly #chatUrl: URL;
  readonly #apiKey: string | undefined;
  readonly #maxTokens: number;
  readonly #temperature: number;
  readonly #dispatchers: ProviderDispatchers;
  readonly #now: (() => number) | undefined;
  readonly #tracing: Tracing;

  /** @throws RagdError RAGD_ERR_CONFIG for an invalid URL. */
  constructor(options: OpenAIGeneratorOptions) {
    this.model = options.model;
    this.#baseUrl = options.baseUrl;
    this.#chatUrl = endpoint(options.baseUrl, OPENAI_PATHS.chat);
    this.#apiKey = options.apiKey;
    this.#maxTokens = options.maxTokens ?? DEFAULT_GENERATE_MAX_TOKENS;
    this.#temperature = options.temperature ?? DEFAULT_GENERATE_TEMPERATURE;
    this.#dispatchers = options.dispatchers;
    this.#now = options.now;
    this.#tracing = options.tracing ?? NOOP_TRACING;
  }

  /**
   * Yields `delta` events as the model writes, then one `usage` (when the server reports it).
   * @throws RagdError as `openStream` before the first delta; afterwards RAGD_ERR_PROVIDER_UNAVAILABLE
   *   (connection lost, in-stream error), RAGD_ERR_PROVIDER_RESPONSE (bad event, no [DONE]),
   *   RAGD_ERR_TIMEOUT or RAGD_ERR_CLIENT_CLOSED.
   */
  async *stream(request: GenerateRequest, options: CallOptions): AsyncGenerator<GenerateEvent, void, undefined> {
    const secrets = secretsOf(this.#apiKey);
    const maxTokens = request.maxTokens ?? this.#maxTokens;
    const temperature = request.temperature ?? this.#temperature;
    const upstream = await openStream(
      {
        ...options,
        dispatcher: this.#dispatchers.get(this.#chatUrl),
        url: this.#chatUrl,
        headers: authHeaders(this.#apiKey),
        body: {
          model: this.model,
          messages: buildGroundedPrompt(request.question, request.sources),
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: maxTokens,
          temperature,
        },
        provider: 'openai',
        secrets,
        ...(this.#now === undefined ? {} : { now: this.#now }),
        trace: this.#tracing.enabled
          ? { tracing: this.#tracing, call: { system: 'openai', operation: 'chat', model: this.model, url: this.#chatUrl, maxTokens, temperature } }
          : undefined,
      },
      'text/event-stream',
    );
    const span = upstream.span;
    try {
      yield* this.#read(upstream, secrets);
    } catch (err) {
      span.fail(err);
      throw err;
    } finally {
      span.end();
    }
  }

  async *#read(upstream: UpstreamStream, secrets: string[]): AsyncGenerator<GenerateEvent, void, undefined> {
    let usage: (GenerateEvent & { type: 'usage' }) | undefined;
    let responseModel: string | undefined;
    let finished = false;
    for await (const event of readSse(upstream.chunks(), 'openai')) {
      upstream.throwIfAborted();
      if (event.data.trim() === '[DONE]') {
        upstream.complete();
        finished = true;
        break;
      }
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch (err) {
        throw responseError('openai', 'stream event is not JSON', err);
      }
      // Read beside the schema, so an odd `model` value never fails an otherwise good stream.
      if (responseModel === undefined) {
        const model = (value as { model?: unknown } | null)?.model;
        if (typeof model === 'string' && model !== '') responseModel = model;
      }
      const parsed = ChatChunk.safeParse(value);
      if (!parsed.success) throw responseError('openai', 'unexpected /chat/completions stream event');
      const chunk = parsed.data;
      if (chunk.error !== undefined) {
        const message = typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'unknown error');
        throw streamedError('openai', message, secrets);
      }
      const text = chunk.choices?.[0]?.delta?.content ?? '';
      if (text !== '') yield { type: 'delta', text };
      if (chunk.usage) {
        usage = { type: 'usage', promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
    }
    if (!finished) throw responseError('openai', 'stream ended before data: [DONE]');
    if (upstream.span.recording) {
      upstream.span.setAttributes(usageAttributes({ inputTokens: usage?.promptTokens, outputTokens: usage?.completionTokens, responseModel }));
    }
    if (usage !== undefined) yield usage;
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
