import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { RagdError } from '../../src/errors/ragd-error.js';
import type { GenerateEvent, GenerateRequest } from '../../src/providers/generator.js';
import { generateText } from '../../src/providers/generator.js';
import { ProviderDispatchers } from '../../src/providers/http/dispatcher-pool.js';
import { isProviderFailure } from '../../src/providers/http/provider-error.js';
import { OllamaEmbedder } from '../../src/providers/ollama/ollama-embedder.js';
import { OllamaGenerator } from '../../src/providers/ollama/ollama-generator.js';
import { GROUNDED_SYSTEM_PROMPT } from '../../src/providers/prompt.js';
import { type FakeOllama, startFakeOllama } from '../support/fake-ollama.js';
import { DEFAULT_FAKE_ANSWER, answerChunks, fakeEmbedding } from '../support/fake-upstream.js';

const REQUEST: GenerateRequest = {
  question: 'What is the capital of France?',
  sources: [
    { index: 1, title: 'France', text: 'Paris is the capital of France.' },
    { index: 2, title: 'Spain', text: 'Madrid is the capital of Spain.' },
  ],
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

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

describe('Ollama providers against a fake Ollama', () => {
  let fake: FakeOllama;
  let dispatchers: ProviderDispatchers;
  let embedder: OllamaEmbedder;
  let generator: OllamaGenerator;

  before(async () => {
    fake = await startFakeOllama({ dimensions: 16 });
    dispatchers = new ProviderDispatchers();
    embedder = new OllamaEmbedder({ url: fake.url, model: 'nomic-embed-text', batchSize: 2, dispatchers });
    generator = new OllamaGenerator({ url: fake.url, model: 'llama3.2', maxTokens: 64, temperature: 0, dispatchers });
  });
  after(async () => {
    await dispatchers.destroy();
    await fake.close();
  });
  beforeEach(() => fake.setBehavior({}));

  describe('embeddings', () => {
    test('batches, keeps order, normalises and learns dimensions', async () => {
      const texts = ['alpha beta', 'gamma', 'delta epsilon zeta', 'eta', 'theta iota'];
      const before = fake.stats().requests['/api/embed'] ?? 0;
      assert.equal(embedder.dimensions, undefined);
      const vectors = await embedder.embed(texts, live());
      assert.equal(fake.stats().requests['/api/embed'], before + 3, '5 texts in batches of 2');
      assert.deepEqual(fake.stats().lastBody['/api/embed'], { model: 'nomic-embed-text', input: ['theta iota'] });
      assert.equal(vectors.length, texts.length);
      assert.equal(embedder.dimensions, 16);
      for (const [i, v] of vectors.entries()) {
        assert.ok(v instanceof Float32Array);
        assert.equal(v.length, 16);
        assert.ok(Math.abs(norm(v) - 1) < 1e-5);
        const raw = fakeEmbedding(texts[i] as string, 16);
        const rawNorm = Math.sqrt(raw.reduce((s, x) => s + x * x, 0));
        raw.forEach((x, j) => assert.ok(Math.abs((v[j] as number) - x / rawNorm) < 1e-6, `text ${i} dim ${j}`));
      }
    });

    test('no texts means no request', async () => {
      const before = fake.stats().requests['/api/embed'] ?? 0;
      assert.deepEqual(await embedder.embed([], live()), []);
      assert.equal(fake.stats().requests['/api/embed'] ?? 0, before);
    });

    test('a change of dimensions is an invalid response', async () => {
      await embedder.embed(['warm up'], live());
      fake.setBehavior({ dimensions: 8 });
      await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_RESPONSE');
    });

    test('malformed JSON is RAGD_ERR_PROVIDER_RESPONSE', async () => {
      fake.setBehavior({ malformed: true });
      const err = await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_RESPONSE');
      assert.equal(err.details?.provider, 'ollama');
      assert.ok(isProviderFailure(err));
    });
  });

  describe('chat streaming', () => {
    test('deltas concatenate to the answer, then usage', async () => {
      const { deltas, usage, error } = await collect(generator.stream(REQUEST, live()));
      assert.equal(error, undefined);
      assert.ok(deltas.length > 3, 'streamed in several chunks');
      assert.equal(deltas.join(''), DEFAULT_FAKE_ANSWER);
      assert.equal(usage?.type, 'usage');
      assert.equal(usage?.type === 'usage' && usage.completionTokens, answerChunks(DEFAULT_FAKE_ANSWER).length);
      assert.ok(usage?.type === 'usage' && usage.promptTokens > 0);
    });

    test('sends the grounded prompt with stream, temperature and num_predict', async () => {
      await generateText(generator, { ...REQUEST, maxTokens: 32 }, live());
      const body = fake.stats().lastBody['/api/chat'] as {
        model: string;
        stream: boolean;
        options: { temperature: number; num_predict: number };
        messages: { role: string; content: string }[];
      };
      assert.equal(body.model, 'llama3.2');
      assert.equal(body.stream, true);
      assert.deepEqual(body.options, { temperature: 0, num_predict: 32 });
      assert.equal(body.messages[0]?.role, 'system');
      assert.equal(body.messages[0]?.content, GROUNDED_SYSTEM_PROMPT);
      assert.match(body.messages[1]?.content ?? '', /\[1\] France\nParis is the capital of France\./);
      assert.match(body.messages[1]?.content ?? '', /\[2\] Spain\n/);
      assert.match(body.messages[1]?.content ?? '', /Question: What is the capital of France\?$/);
    });

    test('a stream cut mid-answer throws after some deltas', async () => {
      fake.setBehavior({ cutStreamAfterChunks: 3 });
      const { deltas, usage, error } = await collect(generator.stream(REQUEST, live()));
      assert.deepEqual(deltas, answerChunks(DEFAULT_FAKE_ANSWER).slice(0, 3));
      assert.equal(usage, undefined);
      assert.ok(error instanceof RagdError);
      assert.equal(error.code, 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    });

    test('a body that ends without done:true is an error, not a clean end', async () => {
      fake.setBehavior({ cutStreamAfterChunks: 2, cutStreamMode: 'end' });
      const { deltas, error } = await collect(generator.stream(REQUEST, live()));
      assert.equal(deltas.length, 2);
      assert.ok(error instanceof RagdError);
      assert.equal(error.code, 'RAGD_ERR_PROVIDER_RESPONSE');
    });

    test('an {error} line is thrown after the deltas before it', async () => {
      fake.setBehavior({ streamErrorAfterChunks: 2 });
      const { deltas, error } = await collect(generator.stream(REQUEST, live()));
      assert.equal(deltas.length, 2);
      assert.ok(error instanceof RagdError);
      assert.equal(error.code, 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.match(error.message, /model runner has unexpectedly stopped/);
    });

    test('a line that is not JSON is RAGD_ERR_PROVIDER_RESPONSE', async () => {
      fake.setBehavior({ malformed: true });
      const { deltas, error } = await collect(generator.stream(REQUEST, live()));
      assert.equal(deltas.length, 1);
      assert.ok(error instanceof RagdError);
      assert.equal(error.code, 'RAGD_ERR_PROVIDER_RESPONSE');
    });

    test('a caller abort mid-stream ends it with RAGD_ERR_CLIENT_CLOSED', async () => {
      const controller = new AbortController();
      const deltas: string[] = [];
      const err = await (async () => {
        for await (const ev of generator.stream(REQUEST, { signal: controller.signal })) {
          if (ev.type === 'delta') deltas.push(ev.text);
          controller.abort();
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof RagdError);
      assert.equal(err.code, 'RAGD_ERR_CLIENT_CLOSED');
      assert.ok(deltas.length >= 1);
    });

    test('the pool still works after a consumer stops early', async () => {
      for await (const ev of generator.stream(REQUEST, live())) {
        assert.equal(ev.type, 'delta');
        break;
      }
      const { text } = await generateText(generator, REQUEST, live());
      assert.equal(text, DEFAULT_FAKE_ANSWER);
    });
  });

  describe('failures map to RagdError codes', () => {
    test('HTTP 500 is RAGD_ERR_PROVIDER_UNAVAILABLE, retryable, with the upstream message', async () => {
      fake.setBehavior({ failWith: 500 });
      const err = await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.equal(err.retryable, true);
      assert.ok(isProviderFailure(err));
      assert.deepEqual(err.details, { provider: 'ollama', upstreamStatus: 500 });
      assert.match(err.message, /fake upstream failure \(HTTP 500\)/);
    });

    test('HTTP 429 is RAGD_ERR_PROVIDER_RATE_LIMITED with Retry-After seconds', async () => {
      fake.setBehavior({ rateLimit: { retryAfter: 7 } });
      const err = await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_RATE_LIMITED');
      assert.equal(err.retryAfterSeconds, 7);
      assert.ok(isProviderFailure(err));
    });

    test('Retry-After as an HTTP date is turned into seconds with the injected clock', async () => {
      const now = Date.parse('2030-01-01T00:00:00Z');
      const clocked = new OllamaEmbedder({ url: fake.url, model: 'm', dispatchers, now: () => now });
      fake.setBehavior({ rateLimit: { retryAfter: 'Tue, 01 Jan 2030 00:00:30 GMT' } });
      const err = await rejectsWith(clocked.embed(['x'], live()), 'RAGD_ERR_PROVIDER_RATE_LIMITED');
      assert.equal(err.retryAfterSeconds, 30);
    });

    test('HTTP 400 is RAGD_ERR_PROVIDER_REJECTED and not a provider failure', async () => {
      fake.setBehavior({ failWith: 400 });
      const err = await rejectsWith(generateText(generator, REQUEST, live()), 'RAGD_ERR_PROVIDER_REJECTED');
      assert.equal(err.retryable, false);
      assert.equal(isProviderFailure(err), false);
      assert.equal(err.details?.upstreamStatus, 400);
    });

    test('a hang past a short deadline is RAGD_ERR_TIMEOUT', async () => {
      fake.setBehavior({ hang: true });
      const err = await rejectsWith(
        embedder.embed(['x'], { signal: new AbortController().signal, deadline: Date.now() + 50 }),
        'RAGD_ERR_TIMEOUT',
      );
      assert.ok(isProviderFailure(err));
    });

    test('a deadline already passed fails at once without a request', async () => {
      const before = fake.stats().requests['/api/embed'] ?? 0;
      await rejectsWith(embedder.embed(['x'], { signal: new AbortController().signal, deadline: Date.now() - 1 }), 'RAGD_ERR_TIMEOUT');
      assert.equal(fake.stats().requests['/api/embed'] ?? 0, before);
    });

    test('a caller abort while waiting is RAGD_ERR_CLIENT_CLOSED, not a provider failure', async () => {
      fake.setBehavior({ hang: true });
      const controller = new AbortController();
      const arrived = fake.nextRequest('/api/chat');
      const pending = generateText(generator, REQUEST, { signal: controller.signal });
      await arrived;
      controller.abort();
      const err = await rejectsWith(pending, 'RAGD_ERR_CLIENT_CLOSED');
      assert.equal(isProviderFailure(err), false);
    });

    test('a connection reset is RAGD_ERR_PROVIDER_UNAVAILABLE', async () => {
      fake.setBehavior({ reset: true });
      await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      await rejectsWith(generateText(generator, REQUEST, live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    });

    test('failTimes faults only the first requests', async () => {
      fake.setBehavior({ failWith: 503, failTimes: 1 });
      await rejectsWith(embedder.embed(['x'], live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.equal((await embedder.embed(['x'], live())).length, 1);
    });

    test('a refused connection is RAGD_ERR_PROVIDER_UNAVAILABLE', async () => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1');
      await once(probe, 'listening');
      const { port } = probe.address() as { port: number };
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const nowhere = new OllamaEmbedder({ url: `http://127.0.0.1:${port}`, model: 'm', dispatchers });
      const err = await rejectsWith(nowhere.embed(['x'], live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.match(err.message, /ECONNREFUSED/);
    });
  });

  describe('probe', () => {
    test('hits GET /api/tags and accepts a pulled model without a tag', async () => {
      const before = fake.stats().requests['/api/tags'] ?? 0;
      await embedder.probe(live());
      await generator.probe(live());
      assert.equal(fake.stats().requests['/api/tags'], before + 2);
    });

    test('a model that is not pulled is RAGD_ERR_PROVIDER_REJECTED', async () => {
      const missing = new OllamaGenerator({ url: fake.url, model: 'mistral', dispatchers });
      const err = await rejectsWith(missing.probe(live()), 'RAGD_ERR_PROVIDER_REJECTED');
      assert.match(err.message, /ollama pull mistral/);
    });

    test('an unreachable server fails the probe', async () => {
      fake.setBehavior({ failWith: 502, routes: ['/api/tags'] });
      await rejectsWith(embedder.probe(live()), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    });
  });
});
