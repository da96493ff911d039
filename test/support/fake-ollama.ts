/**
 * A fake Ollama server speaking the real wire format: POST /api/embed, POST /api/chat (NDJSON
 * stream or a single JSON object with stream:false), GET /api/tags. Embeddings are deterministic
 * (see fakeEmbedding); chat streams a canned answer citing [1] word by word, then a done:true line
 * with token counts. Faults come from FakeBehavior (see fake-upstream.ts).
 */
import {
  DEFAULT_FAKE_ANSWER,
  type FakeBehavior,
  type FakeStats,
  answerChunks,
  countWords,
  fakeEmbedding,
  sendJson,
  startFakeUpstream,
  writeStream,
} from './fake-upstream.js';

export interface FakeOllamaOptions {
  /** Embedding dimensions. Default 16. */
  dimensions?: number;
  /** The canned chat answer. Default DEFAULT_FAKE_ANSWER. */
  answer?: string;
  /** Models listed by /api/tags. Default ['nomic-embed-text:latest', 'llama3.2:latest']. */
  models?: string[];
  /** Initial behaviour. */
  behavior?: FakeBehavior;
}

export interface FakeOllama {
  /** Base URL, e.g. http://127.0.0.1:41234 (RAGD_OLLAMA_URL). */
  url: string;
  setBehavior(behavior: FakeBehavior): void;
  stats(): FakeStats;
  nextRequest(route?: string): Promise<string>;
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  messages?: { content?: string }[];
  stream?: boolean;
}

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const dims = options.dimensions ?? 16;
  const answer = options.answer ?? DEFAULT_FAKE_ANSWER;
  const models = options.models ?? ['nomic-embed-text:latest', 'llama3.2:latest'];
  const upstream = await startFakeUpstream({
    errorBody: (_status, message) => ({ error: message }),
    routes: {
      'POST /api/embed': ({ res, body, behavior, fault }) => {
        if (fault === 'malformed') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"model":"x","embeddings":[[0.1,');
          return;
        }
        const input = (body as { input?: string | string[] }).input ?? [];
        const texts = Array.isArray(input) ? input : [input];
        sendJson(res, 200, {
          model: (body as { model?: string }).model,
          embeddings: texts.map((t) => fakeEmbedding(t, behavior.dimensions ?? dims)),
          total_duration: 1000,
          load_duration: 100,
          prompt_eval_count: texts.reduce((n, t) => n + countWords(t), 0),
        });
      },
      'POST /api/chat': async (ctx) => {
        const body = ctx.body as ChatBody;
        const model = body.model ?? 'llama3.2';
        const created_at = new Date(0).toISOString();
        const chunks = answerChunks(answer);
        const promptTokens = (body.messages ?? []).reduce((n, m) => n + countWords(m.content ?? ''), 0);
        const usage = { prompt_eval_count: promptTokens, eval_count: chunks.length };
        if (body.stream === false) {
          sendJson(ctx.res, 200, {
            model,
            created_at,
            message: { role: 'assistant', content: answer },
            done: true,
            done_reason: 'stop',
            ...usage,
          });
          return;
        }
        const line = (value: unknown): string => `${JSON.stringify(value)}\n`;
        const lines = chunks.map((content) => line({ model, created_at, message: { role: 'assistant', content }, done: false }));
        if (ctx.fault === 'malformed') lines.splice(1, 0, '{"model":"x","message":{"content":"Par\n');
        await writeStream(
          ctx,
          'application/x-ndjson',
          lines,
          [
            line({
              model,
              created_at,
              message: { role: 'assistant', content: '' },
              done: true,
              done_reason: 'stop',
              total_duration: 1000,
              ...usage,
            }),
          ],
          line({ error: 'model runner has unexpectedly stopped' }),
        );
      },
      'GET /api/tags': ({ res }) => {
        sendJson(res, 200, {
          models: models.map((name) => ({
            name,
            model: name,
            modified_at: new Date(0).toISOString(),
            size: 1,
            digest: 'sha256:0',
            details: {},
          })),
        });
      },
    },
  });
  if (options.behavior !== undefined) upstream.setBehavior(options.behavior);
  return {
    url: upstream.origin,
    setBehavior: upstream.setBehavior,
    stats: upstream.stats,
    nextRequest: upstream.nextRequest,
    close: upstream.close,
  };
}
