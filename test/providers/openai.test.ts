import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import type { GenerateEvent, GenerateRequest } from '../../src/providers/generator.js';
import { generateText } from '../../src/providers/generator.js';
import { ProviderDispatchers } from '../../src/providers/http/dispatcher-pool.js';
import { isProviderFailure } from '../../src/providers/http/provider-error.js';
import { OpenAIEmbedder } from '../../src/providers/openai/openai-embedder.js';
import { OpenAIGenerator } from '../../src/providers/openai/openai-generator.js';
import { GROUNDED_SYSTEM_PROMPT } from '../../src/providers/prompt.js';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.js';
import { DEFAULT_FAKE_ANSWER, answerChunks, fakeEmbedding } from '../support/fake-upstream.js';

const API_KEY = 'sk-test-0123456789abcdefSECRET';

const REQUEST: GenerateRequest = {
  question: 'What is the capital of France?',
  sources: [{ index: 1, title: 'France', text: 'Paris is the capital of France.' }],
};

const live = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<RagdError> {
  const err: unknown = await promise.then(
    () => assert.fail(`expected ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RagdError, `expected a RagdError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

async function collect(events: AsyncIterable<GenerateEvent>): Promise<{ deltas: string[]; usage?: GenerateEvent; error?: unknown }> {
  const deltas: string[] = [];
  let usage: GenerateEvent | undefined;
  try {
    for await (const ev of events) {
      if (ev.type === 'delta') deltas.push(ev.text);
      else usage = ev;
    }
  } catch (error) {
    return { deltas, ...(usage === undefined ? {} : { usage }), error };
  }
  return { deltas, ...(usage === undefined ? {} : { usage }) };
}

/** Every string reachable from an error: message, details, causes. */
function everything(err: unknown): string {
  const seen: string[] = [];
  let current: unknown = err;
  while (current instanceof Error) {
    seen.push(current.message, JSON.stringify((current as RagdError).details ?? {}), String(current.stack));
    current = current.cause;
  }
  return seen.join('\n');
}

describe('OpenAI-compatible providers against a fake OpenAI', () => {
  let fake: FakeOpenAI;
  let dispatchers: ProviderDispatchers;
  let embedder: OpenAIEmbedder;
  let generator: OpenAIGenerator;

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: API_KEY, dimensions: 12 });
    dispatchers = new ProviderDispatchers();
    embedder = new OpenAIEmbedder({ baseUrl: fake.url, model: 'text-embedding-3-small', apiKey: API_KEY, batchSize: 3, dispatchers });
    generator = new OpenAIGenerator({
      baseUrl: fake.url,
      model: 'gpt-4o-mini',
      apiKey: API_KEY,
      maxTokens: 100,
      temperature: 0.2,
      dispatchers,
    });
  });
  after(async () => {
    await dispatchers.destroy();
    await fake.close();
  });
  beforeEach(() => fake.setBehavior({}));

  describe('embeddings', () => {
    test('batches, orders by index, normalises and learns dimensions; sends the bearer key', async () => {
      fake.setBehavior({ outOfOrder: true });
      const texts = ['one fish', 'two fish', 'red fish', 'blue fish', 'old fish'];
      const before = fake.stats().requests['/v1/embeddings'] ?? 0;
      const vectors = await embedder.embed(texts, live());
      const stats = fake.stats();
      assert.equal(stats.requests['/v1/embeddings'], before + 2, '5 texts in batches of 3');
      assert.deepEqual(stats.lastBody['/v1/embeddings'], {
        model: 'text-embedding-3-small',
        input: ['blue fish', 'old fish'],
        encoding_format: 'float',
      });
      assert.equal(stats.lastHeaders['/v1/embeddings']?.authorization, `Bearer ${API_KEY}`);
      assert.equal(embedder.dimensions, 12);
      for (const [i, v] of vectors.entries()) {
        const raw = fakeEmbedding(texts[i] as string, 12);
        const rawNorm = Math.sqrt(raw.reduce((s, x) => s + x * x, 0));
        assert.equal(v.length, 12);
        raw.forEach((x, j) => assert.ok(Math.abs((v[j] as number) - x / rawNorm) < 1e-6, `text ${i} dim ${j}`));
      }
    });

    test('no Authorization header without a key', async () => {
      const open = await startFakeOpenAI();
      try {
        const keyless = new OpenAIEmbedder({ baseUrl: open.url, model: 'm', dispatchers });
        await keyless.embed(['x'], live());
        assert.equal(open.stats().lastHeaders['/v1/embeddings']?.authorization, undefined);
      } finally {
        await open.close();
      }
    });

    test('a change of dimensions is an invalid response', async () => {
      await embedder.embed(['warm up'], live());
      fake.setBehavior({ dimensions: 4 });
      await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_RESPONSE');
    });

    test('malformed JSON is RAGD_ERR_PROVIDER_RESPONSE', async () => {
      fake.setBehavior({ malformed: true });
      await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_RESPONSE');
    });
  });

  describe('chat streaming', () => {
    test('deltas concatenate to the answer, then usage', async () => {
      const { deltas, usage, error } = await collect(generator.stream(REQUEST, live()));
      assert.equal(error, undefined);
      assert.ok(deltas.length > 3);
      assert.equal(deltas.join(''), DEFAULT_FAKE_ANSWER);
      assert.ok(usage?.type === 'usage');
      assert.equal(usage.completionTokens, answerChunks(DEFAULT_FAKE_ANSWER).length);
      assert.ok(usage.promptTokens > 0);
    });

    test('sends model, messages, stream options, max_tokens and temperature', async () => {
      await generateText(generator, { ...REQUEST, temperature: 0.5 }, live());
      const stats = fake.stats();
      const body = stats.lastBody['/v1/chat/completions'] as Record<string, unknown> & { messages: { role: string; content: string }[] };
      assert.equal(body.model, 'gpt-4o-mini');
      assert.equal(body.stream, true);
      assert.deepEqual(body.stream_options, { include_usage: true });
      assert.equal(body.max_tokens, 100);
      assert.equal(body.temperature, 0.5);
      assert.deepEqual(
        body.messages.map((m) => m.role),
        ['system', 'user'],
      );
      assert.equal(body.messages[0]?.content, GROUNDED_SYSTEM_PROMPT);
      assert.match(body.messages[1]?.content ?? '', /\[1\] France\nParis is the capital of France\./);
      assert.equal(stats.lastHeaders['/v1/chat/completions']?.authorization, `Bearer ${API_KEY}`);
      assert.equal(stats.lastHeaders['/v1/chat/completions']?.accept, 'text/event-stream');
    });

    test('a stream cut mid-answer throws after some deltas', async () => {
      fake.setBehavior({ cutStreamAfterChunks: 3 });
      const { deltas, usage, error } = await collect(generator.stream(REQUEST, live()));
      assert.deepEqual(deltas, answerChunks(DEFAULT_FAKE_ANSWER).slice(0, 3));
      assert.equal(usage, undefined);
      assert.ok(error instanceof RagdError);
      assert.equal(error.code, 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    });

    test('a body that ends without [DONE] is an error, not a clean end', async () => {
      fake.setBehavior({ cutStreamAfterChunks: 2, cutStreamMode: 'end' });
      const { deltas, error } = await collect(generator.stream(REQUEST, live()));
      assert.equal(deltas.length, 2);
      assert.ok(error instanceof RagdError);
      assert.equal(error.code, 'RAGD_ERR_PROVIDER_RESPONSE');
    });

    test('an in-stream {"error": ...} event is thrown after the deltas before it', async () => {
      fake.setBehavior({ streamErrorAfterChunks: 2 });
      const { deltas, error } = await collect(generator.stream(REQUEST, live()));
      assert.equal(deltas.length, 2);
      assert.ok(error instanceof RagdError);
      assert.equal(error.code, 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.match(error.message, /server had an error/);
    });

    test('an event that is not JSON is RAGD_ERR_PROVIDER_RESPONSE', async () => {
      fake.setBehavior({ malformed: true });
      const { deltas, error } = await collect(generator.stream(REQUEST, live()));
      assert.equal(deltas.length, 1);
      assert.ok(error instanceof RagdError);
      assert.equal(error.code, 'RAGD_ERR_PROVIDER_RESPONSE');
    });

    test('a caller abort mid-stream ends it with RAGD_ERR_CLIENT_CLOSED', async () => {
      const controller = new AbortController();
      const err = await (async () => {
        for await (const ev of generator.stream(REQUEST, { signal: controller.signal })) {
          assert.equal(ev.type, 'delta');
          controller.abort();
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof RagdError);
      assert.equal(err.code, 'RAGD_ERR_CLIENT_CLOSED');
    });
  });

  describe('failures map to RagdError codes', () => {
    test('HTTP 500 is RAGD_ERR_PROVIDER_UNAVAILABLE with the upstream message', async () => {
      fake.setBehavior({ failWith: 500 });
      const err = await rejectsWith(generateText(generator, REQUEST, live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.ok(isProviderFailure(err));
      assert.deepEqual(err.details, { provider: 'openai', upstreamStatus: 500 });
      assert.match(err.message, /fake upstream failure \(HTTP 500\)/);
    });

    test('HTTP 429 is RAGD_ERR_PROVIDER_RATE_LIMITED with Retry-After seconds', async () => {
      fake.setBehavior({ rateLimit: { retryAfter: 20 } });
      const err = await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_RATE_LIMITED');
      assert.equal(err.retryAfterSeconds, 20);
      assert.equal(err.retryable, true);
      assert.ok(isProviderFailure(err));
      assert.match(err.message, /Rate limit reached/);
    });

    test('HTTP 400 is RAGD_ERR_PROVIDER_REJECTED, not retryable', async () => {
      fake.setBehavior({ failWith: 400 });
      const err = await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_REJECTED');
      assert.equal(err.retryable, false);
      assert.equal(isProviderFailure(err), false);
    });

    test('a wrong key is RAGD_ERR_PROVIDER_REJECTED and the key never appears in the error', async () => {
      const wrongKey = 'sk-wrong-9876543210zyxwvuSECRET';
      const bad = new OpenAIGenerator({ baseUrl: fake.url, model: 'gpt-4o-mini', apiKey: wrongKey, dispatchers });
      const err = await rejectsWith(generateText(bad, REQUEST, live()), 'RAGD_ERR_PROVIDER_REJECTED');
      assert.equal(err.details?.upstreamStatus, 401);
      assert.match(err.message, /Incorrect API key provided/);
      assert.ok(!everything(err).includes(wrongKey), everything(err));
      assert.ok(!everything(err).includes('9876543210'));
      const probeErr = await rejectsWith(bad.probe(live()), 'RAGD_ERR_PROVIDER_REJECTED');
      assert.ok(!everything(probeErr).includes(wrongKey));
    });

    test('the configured key never appears in errors either', async () => {
      fake.setBehavior({ failWith: 500 });
      const err = await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.ok(!everything(err).includes(API_KEY));
    });

    test('a hang past a short deadline is RAGD_ERR_TIMEOUT', async () => {
      fake.setBehavior({ hang: true });
      await rejectsWith(
        generateText(generator, REQUEST, { signal: new AbortController().signal, deadline: Date.now() + 50 }),
        'RAGD_ERR_TIMEOUT',
      );
    });

    test('a caller abort while waiting is RAGD_ERR_CLIENT_CLOSED', async () => {
      fake.setBehavior({ hang: true });
      const controller = new AbortController();
      const arrived = fake.nextRequest('/v1/embeddings');
      const pending = embedder.embed(['x'], { signal: controller.signal });
      await arrived;
      controller.abort();
      const err = await rejectsWith(pending, 'RAGD_ERR_CLIENT_CLOSED');
      assert.equal(isProviderFailure(err), false);
    });

    test("a caller's own RagdError abort reason passes through", async () => {
      fake.setBehavior({ hang: true });
      const controller = new AbortController();
      const arrived = fake.nextRequest('/v1/embeddings');
      const pending = embedder.embed(['x'], { signal: controller.signal });
      await arrived;
      controller.abort(new RagdError('RAGD_ERR_SHUTTING_DOWN'));
      await rejectsWith(pending, 'RAGD_ERR_SHUTTING_DOWN');
    });

    test('a connection reset is RAGD_ERR_PROVIDER_UNAVAILABLE', async () => {
      fake.setBehavior({ reset: true });
      await rejectsWith(generateText(generator, REQUEST, live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    });

    test('failureRate with injected randomness faults exactly the chosen requests', async () => {
      const draws = [0.9, 0.1, 0.9];
      fake.setBehavior({ failureRate: 0.5, failWith: 502, random: () => draws.shift() ?? 0.9 });
      assert.equal((await embedder.embed(['a'], live())).length, 1);
      await rejectsWith(embedder.embed(['b'], live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.equal((await embedder.embed(['c'], live())).length, 1);
    });
  });

  describe('probe', () => {
    test('hits GET /v1/models with the key', async () => {
      const before = fake.stats().requests['/v1/models'] ?? 0;
      await embedder.probe(live());
      await generator.probe(live());
      const stats = fake.stats();
      assert.equal(stats.requests['/v1/models'], before + 2);
      assert.equal(stats.lastHeaders['/v1/models']?.authorization, `Bearer ${API_KEY}`);
    });

    test('a failing server fails the probe', async () => {
      fake.setBehavior({ failWith: 503, routes: ['/v1/models'] });
      await rejectsWith(generator.probe(live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    });
  });
});
