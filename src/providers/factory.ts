/** Builds the configured embedder and generator. The only place that knows every provider class. */
import type { Config } from '../config/config.js';
import { NOOP_TRACING } from '../observability/tracing.js';
import type { Tracing } from '../observability/tracing-types.js';
import type { Embedder } from './embedder.js';
import { ExtractiveGenerator } from './extractive/extractive-generator.js';
import type { Generator } from './generator.js';
import type { ProviderDispatchers } from './http/dispatcher-pool.js';
import { HashEmbedder } from './local/hash-embedder.js';
import { OllamaEmbedder } from './ollama/ollama-embedder.js';
import { OllamaGenerator } from './ollama/ollama-generator.js';
import { OpenAIEmbedder } from './openai/openai-embedder.js';
import { OpenAIGenerator } from './openai/openai-generator.js';

/** `tracing` traces remote calls as gen-AI client spans; defaults to none. */
export function createEmbedder(config: Config, dispatchers: ProviderDispatchers, tracing: Tracing = NOOP_TRACING): Embedder {
  const e = config.embedder;
  switch (e.kind) {
    case 'local':
      return new HashEmbedder({ dimensions: e.dimensions });
    case 'ollama':
      return new OllamaEmbedder({ url: config.ollama.url, model: e.model, batchSize: e.batchSize, dispatchers, tracing });
    case 'openai':
      return new OpenAIEmbedder({
        baseUrl: config.openai.baseUrl,
        model: e.model,
        batchSize: e.batchSize,
        dispatchers,
        tracing,
        ...(config.openai.apiKey ? { apiKey: config.openai.apiKey } : {}),
      });
  }
}

/** The configured generator followed by its fallbacks (RAGD_GENERATOR_FALLBACK), in order. */
export function createGeneratorChain(config: Config, dispatchers: ProviderDispatchers, tracing: Tracing = NOOP_TRACING): Generator[] {
  const chain = [{ kind: config.generator.kind, model: config.generator.model }, ...config.resilience.generatorFallback];
  return chain.map((g) => createGenerator(config, dispatchers, g, tracing));
}

export function createGenerator(
  config: Config,
  dispatchers: ProviderDispatchers,
  which = { kind: config.generator.kind, model: config.generator.model },
  tracing: Tracing = NOOP_TRACING,
): Generator {
  const g = { ...config.generator, ...which };
  switch (g.kind) {
    case 'extractive':
      return new ExtractiveGenerator();
    case 'ollama':
      return new OllamaGenerator({ url: config.ollama.url, model: g.model, maxTokens: g.maxTokens, temperature: g.temperature, dispatchers, tracing });
    case 'openai':
      return new OpenAIGenerator({
        baseUrl: config.openai.baseUrl,
        model: g.model,
        maxTokens: g.maxTokens,
        temperature: g.temperature,
        dispatchers,
        tracing,
        ...(config.openai.apiKey ? { apiKey: config.openai.apiKey } : {}),
      });
  }
}
