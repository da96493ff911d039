/**
 * The OpenAI-compatible wire format (https://platform.openai.com/docs/api-reference), as served by
 * OpenAI, vLLM, llama.cpp and LM Studio: endpoint paths, auth headers, response shapes for
 * /embeddings, streamed /chat/completions chunks and /models, and the shared readiness probe.
 */
import { z } from 'zod';
import type { CallOptions } from '../call-options.js';
import type { ProviderDispatchers } from '../http/dispatcher-pool.js';
import { endpoint } from '../http/endpoint.js';
import { responseError } from '../http/provider-error.js';
import { requestJson } from '../http/request.js';

export const OPENAI_PATHS = { embeddings: '/embeddings', chat: '/chat/completions', models: '/models' } as const;

/** POST /embeddings response. `index` is optional because some compatible servers omit it. */
export const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative().optional(), embedding: z.array(z.number()) })),
});

/** One `data:` event of a streamed POST /chat/completions response (or an in-stream error). */
export const ChatChunk = z.object({
  choices: z.array(z.object({ delta: z.object({ content: z.string().nullish() }).nullish() })).nullish(),
  usage: z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).nullish(),
  error: z.union([z.string(), z.object({ message: z.string().optional() }).loose()]).optional(),
});

/** GET /models response. */
export const ModelsResponse = z.object({ data: z.array(z.unknown()) });

/** Request headers: the bearer token only when a key is configured (local servers need none). */
export function authHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey === undefined || apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` };
}

/** The API key as a list of strings to keep out of error messages. */
export function secretsOf(apiKey: string | undefined): string[] {
  return apiKey === undefined || apiKey === '' ? [] : [apiKey];
}

export interface OpenAIProbeTarget {
  baseUrl: string;
  apiKey: string | undefined;
  dispatchers: ProviderDispatchers;
  now?: () => number;
}

/**
 * Readiness: GET {baseUrl}/models, which is free and checks both reachability and the key.
 * @throws RagdError as `requestJson`: RAGD_ERR_PROVIDER_REJECTED for a bad key (401/403),
 *   RAGD_ERR_PROVIDER_UNAVAILABLE, RAGD_ERR_TIMEOUT, ...; RAGD_ERR_PROVIDER_RESPONSE for a wrong shape.
 */
export async function probeOpenAI(target: OpenAIProbeTarget, options: CallOptions): Promise<void> {
  const url = endpoint(target.baseUrl, OPENAI_PATHS.models);
  const json = await requestJson({
    ...options,
    dispatcher: target.dispatchers.get(url),
    url,
    method: 'GET',
    headers: authHeaders(target.apiKey),
    provider: 'openai',
    secrets: secretsOf(target.apiKey),
    ...(target.now === undefined ? {} : { now: target.now }),
  });
  if (!ModelsResponse.safeParse(json).success) throw responseError('openai', 'expected {data: [...]} from /models');
}
