import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import { executeWithFallback, streamWithFallback } from '../../src/resilience/fallback.js';
import { Pipeline } from '../../src/resilience/pipeline.js';
import { DEFAULT_PIPELINE_POLICY, mergePolicy } from '../../src/resilience/policy.js';
import { FakeRuntime } from './fake-runtime.js';

/** A stream that fails before its first item. */
function failsAtOnce(err: unknown): AsyncIterable<never> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
}

const code = (e: unknown): string | undefined => (e instanceof RagdError ? e.code : undefined);
const rt = new FakeRuntime(1_000_000, 0);
const policy = mergePolicy(DEFAULT_PIPELINE_POLICY, { retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1 } });
const make = (name: string): Pipeline => new Pipeline(`generation:${name}`, policy, { runtime: rt });

describe('executeWithFallback', () => {
  test('tries providers in order and reports which one answered', async () => {
    const called: string[] = [];
    const fallbacks: unknown[] = [];
    const result = await executeWithFallback(
      [
        { name: 'openai', pipeline: make('openai'), call: async () => (called.push('openai'), Promise.reject(new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE'))) },
        { name: 'ollama', pipeline: make('ollama'), call: async () => (called.push('ollama'), 'from ollama') },
        { name: 'extractive', pipeline: make('extractive'), call: async () => (called.push('extractive'), 'x') },
      ],
      { onFallback: (e) => fallbacks.push(e) },
    );
    assert.deepEqual(result, { value: 'from ollama', provider: 'ollama', skipped: [{ provider: 'openai', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }] });
    assert.deepEqual(called, ['openai', 'ollama']);
    assert.deepEqual(fallbacks, [{ from: 'openai', to: 'ollama', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }]);
  });

  test('skips a provider whose breaker is open without calling it', async () => {
    const openai = make('openai');
    openai.breaker.acquire().failure();
    let calledOpenai = false;
    const result = await executeWithFallback([
      { name: 'openai', pipeline: openai, call: async () => ((calledOpenai = true), 'a') },
      { name: 'ollama', pipeline: make('ollama'), call: async () => 'b' },
    ]);
    assert.equal(calledOpenai, false);
    assert.deepEqual([result.provider, result.skipped[0]?.code], ['ollama', 'RAGD_ERR_CIRCUIT_OPEN']);
  });

  test('does not fall back on a 4xx; throws the last error when every provider fails', async () => {
    let second = false;
    const rejected = await executeWithFallback([
      { name: 'a', pipeline: make('a'), call: async () => Promise.reject(new RagdError('RAGD_ERR_PROVIDER_REJECTED')) },
      { name: 'b', pipeline: make('b'), call: async () => ((second = true), 'b') },
    ]).catch((e: unknown) => e);
    assert.equal(code(rejected), 'RAGD_ERR_PROVIDER_REJECTED');
    assert.equal(second, false);
    const all = await executeWithFallback([
      { name: 'c', pipeline: make('c'), call: async () => Promise.reject(new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE')) },
      { name: 'd', pipeline: make('d'), call: async () => Promise.reject(new RagdError('RAGD_ERR_PROVIDER_RATE_LIMITED')) },
    ]).catch((e: unknown) => e);
    assert.equal(code(all), 'RAGD_ERR_PROVIDER_RATE_LIMITED');
  });

  test('stops at the deadline instead of trying the next provider', async () => {
    let second = false;
    const err = await executeWithFallback(
      [
        { name: 'e', pipeline: make('e'), call: async () => (rt.advance(1_000), Promise.reject(new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE'))) },
        { name: 'f', pipeline: make('f'), call: async () => ((second = true), 'f') },
      ],
      { deadline: rt.now() + 500, now: rt.now },
    ).catch((e: unknown) => e);
    assert.equal(code(err), 'RAGD_ERR_TIMEOUT');
    assert.equal(second, false);
  });
});

describe('streamWithFallback', () => {
  test('falls back before the first item only', async () => {
    const opened = await streamWithFallback([
      {
        name: 'openai',
        pipeline: make('s-openai'),
        call: () => failsAtOnce(new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE')),
      },
      {
        name: 'ollama',
        pipeline: make('s-ollama'),
        call: async function* () {
          yield 'hello';
          throw new RagdError('RAGD_ERR_PROVIDER_RESPONSE');
        },
      },
      {
        name: 'extractive',
        pipeline: make('s-extractive'),
        call: async function* () {
          yield 'never';
        },
      },
    ]);
    assert.equal(opened.provider, 'ollama');
    const items: string[] = [];
    const err = await (async () => {
      for await (const item of opened.stream) items.push(item);
    })().catch((e: unknown) => e);
    assert.deepEqual(items, ['hello']);
    assert.equal(code(err), 'RAGD_ERR_PROVIDER_RESPONSE');
  });
});

describe('streamWithFallback with an open breaker', () => {
  test('refuses the provider without building its stream, counted and reported once, then falls back', async () => {
    const openai = make('s-open-openai');
    const outcomes: string[] = [];
    openai.events.on('callOutcome', (e) => outcomes.push(`${e.name}:${e.outcome}:${e.attempts}`));
    // One failure opens it (failureThreshold 1).
    await streamWithFallback([
      { name: 'openai', pipeline: openai, call: () => failsAtOnce(new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE')) },
    ]).catch(() => undefined);
    assert.equal(openai.breaker.state, 'open');
    const before = openai.breaker.snapshot().totals;

    let built = 0;
    const fallbacks: unknown[] = [];
    const opened = await streamWithFallback(
      [
        {
          name: 'openai',
          pipeline: openai,
          call: () => {
            built++;
            return failsAtOnce(new Error('never called'));
          },
        },
        {
          name: 'extractive',
          pipeline: make('s-open-extractive'),
          call: async function* () {
            yield 'quoted';
          },
        },
      ],
      { onFallback: (e) => fallbacks.push(e) },
    );
    assert.equal(opened.provider, 'extractive');
    assert.deepEqual(opened.skipped, [{ provider: 'openai', code: 'RAGD_ERR_CIRCUIT_OPEN' }]);
    assert.deepEqual(fallbacks, [{ from: 'openai', to: 'extractive', code: 'RAGD_ERR_CIRCUIT_OPEN' }]);
    assert.equal(built, 0);
    const after = openai.breaker.snapshot().totals;
    assert.equal(after.rejections - before.rejections, 1);
    assert.equal(after.calls, before.calls);
    assert.deepEqual(outcomes.slice(-1), ['generation:s-open-openai:circuit_open:0']);
    await opened.stream.return?.();
  });

  test('a lone provider behind an open breaker fails with RAGD_ERR_CIRCUIT_OPEN, whose stack names no frames', async () => {
    const p = make('s-open-alone');
    await streamWithFallback([{ name: 'a', pipeline: p, call: () => failsAtOnce(new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE')) }]).catch(
      () => undefined,
    );
    const err = await streamWithFallback([{ name: 'a', pipeline: p, call: () => failsAtOnce(new Error('never called')) }]).catch(
      (e: unknown) => e,
    );
    assert.equal(code(err), 'RAGD_ERR_CIRCUIT_OPEN');
    assert.equal((err as RagdError).stack, `RagdError: Circuit breaker for generation:s-open-alone is open`);
    assert.ok(((err as RagdError).retryAfterSeconds ?? 0) >= 1);
    assert.deepEqual((err as RagdError).details, { dependency: 'generation:s-open-alone' });
  });
});
