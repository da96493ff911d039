import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import { Pipeline } from '../../src/resilience/pipeline.js';
import { mergePolicy, DEFAULT_PIPELINE_POLICY, type PolicyOverrides } from '../../src/resilience/policy.js';
import { openStream } from '../../src/resilience/stream.js';
import { FakeRuntime, flush } from './fake-runtime.js';

const unavailable = (): RagdError => new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE', 'down');
/** A stream that fails before its first item. */
function failsAtOnce(err: unknown): AsyncIterable<never> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
}

const code = (e: unknown): string | undefined => (e instanceof RagdError ? e.code : undefined);

function setup(overrides: PolicyOverrides = {}) {
  const rt = new FakeRuntime(1_000_000, 0);
  const pipeline = new Pipeline('generation:ollama', mergePolicy(DEFAULT_PIPELINE_POLICY, overrides), { runtime: rt });
  return { rt, pipeline };
}

async function collect<T>(source: AsyncIterable<T>): Promise<{ items: T[]; error?: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of source) items.push(item);
    return { items };
  } catch (error) {
    return { items, error };
  }
}

describe('Pipeline.executeStream', () => {
  test('retries failures that happen before the first item', async () => {
    const { pipeline } = setup();
    const attempts: number[] = [];
    const result = await collect(
      pipeline.executeStream(async function* (_signal, attempt) {
        attempts.push(attempt);
        if (attempt < 3) throw unavailable();
        yield 'a';
        yield 'b';
      }, { idempotent: true }),
    );
    assert.deepEqual(result, { items: ['a', 'b'] });
    assert.deepEqual(attempts, [1, 2, 3]);
  });

  test('after the first item an error reaches the consumer and is not retried', async () => {
    const { pipeline } = setup({ breaker: { halfOpenMaxTrials: 1 } });
    let attempts = 0;
    const result = await collect(
      pipeline.executeStream(async function* () {
        attempts += 1;
        yield 'a';
        throw unavailable();
      }, { idempotent: true }),
    );
    assert.deepEqual(result.items, ['a']);
    assert.equal(code(result.error), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    assert.equal(attempts, 1);
    assert.equal(pipeline.breaker.snapshot().totals.failures, 1, 'the broken stream counts against the dependency');
    assert.equal(pipeline.bulkhead.snapshot().active, 0);
  });

  test('a consumer that stops early aborts the attempt signal and closes the source', async () => {
    const { pipeline, rt } = setup();
    let signalSeen: AbortSignal | undefined;
    let closed = false;
    const stream = pipeline.executeStream(async function* (signal) {
      signalSeen = signal;
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    });
    for await (const item of stream) if (item === 2) break;
    await flush();
    assert.equal(signalSeen?.aborted, true);
    assert.equal(code(signalSeen?.reason), 'RAGD_ERR_CLIENT_CLOSED');
    assert.equal(closed, true);
    assert.equal(pipeline.bulkhead.snapshot().active, 0);
    assert.equal(rt.pendingTimers, 0);
  });

  test('a stalled stream is cut off at the deadline', async () => {
    const { pipeline, rt } = setup({ timeoutMs: 10_000 });
    const p = collect(
      pipeline.executeStream(async function* () {
        yield 'a';
        await new Promise(() => undefined);
      }),
    );
    await flush();
    rt.advance(10_000);
    const result = await p;
    assert.deepEqual(result.items, ['a']);
    assert.equal(code(result.error), 'RAGD_ERR_TIMEOUT');
    assert.equal(pipeline.breaker.snapshot().totals.failures, 0, 'a stream cut by the deadline was still answering');
  });

  test('an empty stream ends cleanly; an open breaker rejects on the first next()', async () => {
    const { pipeline } = setup({ breaker: { failureThreshold: 1 }, retry: { maxAttempts: 1 } });
    assert.deepEqual(await collect(pipeline.executeStream(async function* () {})), { items: [] });
    await collect(
      pipeline.executeStream(() => failsAtOnce(unavailable())),
    );
    const result = await collect(pipeline.executeStream(async function* () {}));
    assert.equal(code(result.error), 'RAGD_ERR_CIRCUIT_OPEN');
  });

  test('openStream resolves once the first item has arrived and rejects on an early failure', async () => {
    const { pipeline } = setup({ retry: { maxAttempts: 1 } });
    const opened = await openStream(
      pipeline.executeStream(async function* () {
        yield 1;
        yield 2;
      }),
    );
    assert.equal(opened.empty, false);
    assert.deepEqual((await collect(opened)).items, [1, 2]);
    await assert.rejects(
      openStream(
        pipeline.executeStream(() => failsAtOnce(unavailable())),
      ),
      (e: unknown) => code(e) === 'RAGD_ERR_PROVIDER_UNAVAILABLE',
    );
    const unread = await openStream(
      pipeline.executeStream(async function* () {
        yield 1;
      }),
    );
    await unread.return();
    assert.equal(pipeline.bulkhead.snapshot().active, 0, 'return() on an unread stream frees its slot');
  });
});
