/**
 * A fake OpenAI-compatible upstream for the `provider` scenario: `POST /v1/chat/completions`
 * (JSON or SSE stream), `POST /v1/embeddings` and `GET /v1/models`, with a fixed simulated
 * latency and optional injected failures. It counts the calls it serves, so the scenario can
 * prove each ragd answer really went through the provider path. Point ragd at `baseUrl`
 * (RAGD_OPENAI_BASE_URL) before starting it.
 *
 * Embeddings are feature-hashed content words (stop words dropped, as ragd's analyser does), so
 * texts that share words get similar vectors, like a real embedder.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { terms } from '../src/text/tokenize.js';

export interface FakeOpenAiOptions {
  /** Milliseconds added before each answer: a stand-in for model time. Defaults to 0. */
  readonly latencyMs?: number;
  /** Every n-th chat call answers 503 (0 = never). Defaults to 0. */
  readonly failEvery?: number;
  /** Embedding dimensions. Defaults to 384, like ragd's local embedder. */
  readonly dimensions?: number;
  /** Model name echoed in answers. Defaults to `fake-gpt`. */
  readonly model?: string;
}

/** Calls served so far. */
export interface UpstreamStats {
  readonly chat: number;
  readonly embeddings: number;
  /** Chat calls answered with an injected 503. */
  readonly failures: number;
}

export interface FakeOpenAi {
  /** OpenAI-style base URL ending in `/v1`. */
  readonly baseUrl: string;
  stats(): UpstreamStats;
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content: unknown }[];
}

/** Starts the fake upstream on 127.0.0.1, port 0. */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const latencyMs = options.latencyMs ?? 0;
  const failEvery = options.failEvery ?? 0;
  const dimensions = options.dimensions ?? 384;
  const model = options.model ?? 'fake-gpt';
  const counts = { chat: 0, embeddings: 0, failures: 0 };
  const app = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024 });

  app.get('/v1/models', async () => ({ object: 'list', data: [{ id: model, object: 'model', owned_by: 'bench' }] }));

  app.post<{ Body: { input?: string | string[]; model?: string } }>('/v1/embeddings', async (request) => {
    counts.embeddings++;
    if (latencyMs > 0) await sleep(latencyMs);
    const input = request.body.input ?? [];
    const texts = Array.isArray(input) ? input : [input];
    return {
      object: 'list',
      model: request.body.model ?? model,
      data: texts.map((t, index) => ({ object: 'embedding', index, embedding: hashEmbedding(t, dimensions) })),
      usage: { prompt_tokens: texts.length, total_tokens: texts.length },
    };
  });

  app.post<{ Body: ChatBody }>('/v1/chat/completions', async (request, reply) => {
    const n = ++counts.chat;
    if (latencyMs > 0) await sleep(latencyMs);
    if (failEvery > 0 && n % failEvery === 0) {
      counts.failures++;
      return reply.code(503).send({ error: { message: 'injected failure', type: 'server_error' } });
    }
    const answer = 'Based on the sources, this is a benchmark answer [1].';
    const id = `chatcmpl-${n}`;
    const created = Math.floor(Date.now() / 1000);
    if (!request.body.stream) {
      return {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 12, total_tokens: 112 },
      };
    }
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: Record<string, string>, finish: string | null): string =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    reply.raw.write(chunk({ role: 'assistant' }, null));
    for (const word of answer.split(/(?<= )/)) reply.raw.write(chunk({ content: word }, null));
    reply.raw.write(chunk({}, 'stop'));
    reply.raw.end('data: [DONE]\n\n');
    return reply;
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fake upstream has no TCP address');
  return {
    baseUrl: `http://127.0.0.1:${address.port}/v1`,
    stats: () => ({ ...counts }),
    close: () => app.close(),
  };
}

/** Unit-length feature-hashing vector of the text's content words (FNV-1a, signed buckets). */
export function hashEmbedding(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const term of terms(text)) {
    let h = 0x811c9dc5;
    for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
    const bucket = (h >>> 0) % dimensions;
    v[bucket] = (v[bucket] ?? 0) + (h >>> 31 === 0 ? 1 : -1);
  }
  const norm = Math.hypot(...v);
  return norm === 0 ? v : v.map((x) => x / norm);
}
