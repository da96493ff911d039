/**
 * A fake OpenAI-compatible server speaking the real wire format under /v1: POST /v1/embeddings,
 * POST /v1/chat/completions (SSE with a usage chunk and data: [DONE], or one JSON object with
 * stream:false), GET /v1/models. With `apiKey` set it checks the bearer token and answers 401
 * like OpenAI (echoing the key it got, so tests can prove ragd never repeats it).
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

export interface FakeOpenAIOptions {
  /** Required bearer token; any token is accepted when unset. */
  apiKey?: string;
  /** Embedding dimensions. Default 16. */
  dimensions?: number;
  /** The canned chat answer. Default DEFAULT_FAKE_ANSWER. */
  answer?: string;
  /** Model ids listed by /v1/models. */
  models?: string[];
  behavior?: FakeBehavior;
}

export interface FakeOpenAI {
  /** Base URL including /v1, e.g. http://127.0.0.1:41234/v1 (RAGD_OPENAI_BASE_URL). */
  url: string;
  setBehavior(behavior: FakeBehavior): void;
  stats(): FakeStats;
  nextRequest(route?: string): Promise<string>;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

function errorBody(status: number, message: string): unknown {
  const kind = ERROR_TYPES[status] ?? { type: 'server_error', code: null };
  return { error: { message, type: kind.type, param: null, code: kind.code } };
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const dims = options.dimensions ?? 16;
  const answer = options.answer ?? DEFAULT_FAKE_ANSWER;
  const models = options.models ?? ['text-embedding-3-small', 'gpt-4o-mini'];
  const authorized = (auth: string | undefined): boolean => options.apiKey === undefined || auth === `Bearer ${options.apiKey}`;
  const rejectAuth = (res: Parameters<typeof sendJson>[0], auth: string | undefined): void => {
    const got = auth?.replace(/^Bearer\s+/i, '') ?? '';
    sendJson(
      res,
      401,
      errorBody(401, `Incorrect API key provided: ${got}. You can find your API key at https://platform.openai.com/account/api-keys.`),
    );
  };

  const upstream = await startFakeUpstream({
    errorBody,
    routes: {
      'POST /v1/embeddings': ({ req, res, body, behavior, fault }) => {
        if (!authorized(req.headers.authorization)) return rejectAuth(res, req.headers.authorization);
        if (fault === 'malformed') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"object":"list","data":[{"index":0,"embedding":[0.1,');
          return;
        }
        const { input, model } = body as { input?: string | string[]; model?: string };
        const texts = Array.isArray(input) ? input : [input ?? ''];
        const data = texts.map((t, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(t, behavior.dimensions ?? dims) }));
        if (behavior.outOfOrder === true) data.reverse();
        const tokens = texts.reduce((n, t) => n + countWords(t), 0);
        sendJson(res, 200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
      },
      'POST /v1/chat/completions': async (ctx) => {
        const { req, res } = ctx;
        if (!authorized(req.headers.authorization)) return rejectAuth(res, req.headers.authorization);
        const body = ctx.body as {
          model?: string;
          messages?: { content?: string }[];
          stream?: boolean;
          stream_options?: { include_usage?: boolean };
        };
        const model = body.model ?? 'gpt-4o-mini';
        const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model, system_fingerprint: null };
        const chunks = answerChunks(answer);
        const promptTokens = (body.messages ?? []).reduce((n, m) => n + countWords(m.content ?? ''), 0);
        const usage = { prompt_tokens: promptTokens, completion_tokens: chunks.length, total_tokens: promptTokens + chunks.length };
        if (body.stream !== true) {
          sendJson(res, 200, {
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
            usage,
          });
          return;
        }
        const event = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
        const events = [
          event({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
          ...chunks.map((content) => event({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] })),
        ];
        if (ctx.fault === 'malformed') events.splice(2, 0, 'data: {"id":"chatcmpl-fake","choices":[{"delta":{"content":"Par\n\n');
        const final = [event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })];
        if (body.stream_options?.include_usage === true) final.push(event({ ...base, choices: [], usage }));
        final.push('data: [DONE]\n\n');
        // +1 so cutStreamAfterChunks counts content chunks, not the opening role chunk.
        const shifted = { ...ctx, behavior: shift(ctx.behavior) };
        await writeStream(
          shifted,
          'text/event-stream',
          events,
          final,
          event({
            error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null },
          }),
        );
      },
      'GET /v1/models': ({ req, res }) => {
        if (!authorized(req.headers.authorization)) return rejectAuth(res, req.headers.authorization);
        sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) });
      },
    },
  });
  if (options.behavior !== undefined) upstream.setBehavior(options.behavior);
  return {
    url: `${upstream.origin}/v1`,
    setBehavior: upstream.setBehavior,
    stats: upstream.stats,
    nextRequest: upstream.nextRequest,
    close: upstream.close,
  };
}

function shift(b: FakeBehavior): FakeBehavior {
  return {
    ...b,
    ...(b.cutStreamAfterChunks === undefined ? {} : { cutStreamAfterChunks: b.cutStreamAfterChunks + 1 }),
    ...(b.streamErrorAfterChunks === undefined ? {} : { streamErrorAfterChunks: b.streamErrorAfterChunks + 1 }),
  };
}
