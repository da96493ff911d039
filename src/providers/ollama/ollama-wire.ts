/**
 * Ollama's wire format (https://github.com/ollama/ollama/blob/main/docs/api.md): endpoint paths,
 * response shapes for /api/embed, /api/chat (streamed NDJSON) and /api/tags, and the probe both
 * the Ollama embedder and generator use for readiness.
 */
import { z } from 'zod';
import { RagdError } from '../../errors/ragd-error.js';
import type { CallOptions } from '../call-options.js';
import type { ProviderDispatchers } from '../http/dispatcher-pool.js';
import { endpoint } from '../http/endpoint.js';
import { responseError } from '../http/provider-error.js';
import { requestJson } from '../http/request.js';

export const OLLAMA_PATHS = { embed: '/api/embed', chat: '/api/chat', tags: '/api/tags' } as const;

/** POST /api/embed response. */
export const EmbedResponse = z.object({ embeddings: z.array(z.array(z.number())) });

/** One NDJSON line of a streamed POST /api/chat response. */
export const ChatLine = z.object({
  message: z.object({ content: z.string() }).optional(),
  done: z.boolean().optional(),
  error: z.string().optional(),
  prompt_eval_count: z.number().int().nonnegative().optional(),
  eval_count: z.number().int().nonnegative().optional(),
});

/** GET /api/tags response: the models pulled on the server. */
export const TagsResponse = z.object({
  models: z.array(z.object({ name: z.string(), model: z.string().optional() })),
});

/** True when `wanted` (e.g. "llama3.2") names `pulled` (e.g. "llama3.2:latest"). */
export function sameModel(wanted: string, pulled: string): boolean {
  return pulled === wanted || (!wanted.includes(':') && pulled === `${wanted}:latest`);
}

export interface OllamaProbeTarget {
  url: string;
  model: string;
  dispatchers: ProviderDispatchers;
  now?: () => number;
}

/**
 * Readiness: GET /api/tags (cheap, loads no model) and check `model` has been pulled.
 * @throws RagdError RAGD_ERR_PROVIDER_REJECTED when the model is not pulled; otherwise as
 *   `requestJson` (RAGD_ERR_PROVIDER_UNAVAILABLE, RAGD_ERR_TIMEOUT, ...).
 */
export async function probeOllama(target: OllamaProbeTarget, options: CallOptions): Promise<void> {
  const url = endpoint(target.url, OLLAMA_PATHS.tags);
  const json = await requestJson({
    ...options,
    dispatcher: target.dispatchers.get(url),
    url,
    method: 'GET',
    provider: 'ollama',
    ...(target.now === undefined ? {} : { now: target.now }),
  });
  const tags = TagsResponse.safeParse(json);
  if (!tags.success) throw responseError('ollama', 'expected {models: [{name}]} from /api/tags');
  const pulled = tags.data.models.some((m) => sameModel(target.model, m.name) || sameModel(target.model, m.model ?? ''));
  if (!pulled) {
    throw new RagdError('RAGD_ERR_PROVIDER_REJECTED', `ollama has no model "${target.model}"; run: ollama pull ${target.model}`, {
      details: { provider: 'ollama' },
    });
  }
}
