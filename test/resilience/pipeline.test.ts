import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import { ResilienceEventHub, type ResilienceEventMap } from '../../src/resilience/events.js';
import { FaultInjector } from '../../src/resilience/fault-injection.js';
import { Pipeline } from '../../src/resilience/pipeline.js';
import { mergePolicy, DEFAULT_PIPELINE_POLICY, type PolicyOverrides } from '../../src/resilience/policy.js';
import { FakeRuntime, flush } from './fake-runtime.js';

const unavailable = (): RagdError => new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE', 'down');
const code = (e: unknown): string | undefined => (e instanceof RagdError ? e.code : undefined);

function setup(overrides: PolicyOverrides = {}, faults?: FaultInjector) {
  const rt = new FakeRuntime(1_000_000, 0);
  const hub = new ResilienceEventHub();
  const events: Array<{ type: keyof ResilienceEventMap; event: unknown }> = [];
  for (const type of ['stateChange', 'failure', 'retry', 'bulkheadRejected', 'callOutcome'] as const) {
    hub.on(type, (event) => events.push({ type, event }));
  }
  const pipeline = new Pipeline('embedding', mergePolicy(DEFAULT_PIPELINE_POLICY, overrides), {
    runtime: rt,
    events: hub,
    ...(faults === undefined ? {} : { faults }),
  });
  const outcomes = () => events.filter((e) => e.type === 'callOutcome').map((e) => (e.event as ResilienceEventMap['callOutcome']).outcome);
  return { rt, pipeline, events, outcomes };
}

async function settle<T>(p: Promise<T>): Promise<unknown> {
  try {
    return await p;
  } catch (err) {
    return err;
  }
}

describe('Pipeline.execute', () => {
  test('passes a live signal and the attempt number, returns the value, emits the outcome', async () => {
    const { pipeline, outcomes, rt } = setup();
    const value = await pipeline.execute(async (signal, attempt) => {
      assert.equal(signal.aborted, false);
      assert.equal(attempt, 1);
      return 'v';
    });
    assert.equal(value, 'v');
    assert.deepEqual(outcomes(), ['success']);
    assert.equal(rt.pendingTimers, 0, 'the deadline timer is cleared');
    assert.deepEqual(pipeline.snapshot().bulkhead.active, 0);
  });

  test('retries idempotent calls on retryable errors, and each attempt counts for the breaker', async () => {
    const { pipeline, events } = setup();
    let n = 0;
    const value = await pipeline.execute(async () => (++n < 3 ? Promise.reject(unavailable()) : 'ok'), { idempotent: true });
    assert.equal(value, 'ok');
    assert.deepEqual(events.filter((e) => e.type === 'retry').map((e) => (e.event as { attempt: number }).attempt), [2, 3]);
    assert.equal(events.filter((e) => e.type === 'failure').length, 2);
    assert.deepEqual(pipeline.breaker.snapshot().totals, { calls: 3, successes: 1, failures: 2, rejections: 0 });
  });

  test('does not retry unless the call is marked idempotent', async () => {
    const { pipeline } = setup();
    let n = 0;
    await settle(pipeline.execute(async () => (n++, Promise.reject(unavailable()))));
    assert.equal(n, 1);
  });

  test('opens the breaker after 5 failed attempts, then rejects fast without calling', async () => {
    const { pipeline, outcomes } = setup({ retry: { maxAttempts: 1 } });
    let n = 0;
    for (let i = 0; i < 5; i++) await settle(pipeline.execute(async () => (n++, Promise.reject(unavailable()))));
    const err = await settle(pipeline.execute(async () => (n++, 'x')));
    assert.equal(code(err), 'RAGD_ERR_CIRCUIT_OPEN');
    assert.equal((err as RagdError).retryAfterSeconds, 60);
    assert.equal(n, 5);
    assert.deepEqual(outcomes().slice(-2), ['failure', 'circuit_open']);
  });

  test('a retry stops as soon as the breaker opens, with the last real error', async () => {
    const { pipeline } = setup({ breaker: { failureThreshold: 2 }, retry: { maxAttempts: 5 } });
    let n = 0;
    const err = await settle(pipeline.execute(async () => (n++, Promise.reject(unavailable())), { idempotent: true }));
    assert.equal(n, 2);
    assert.equal(code(err), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    assert.equal(pipeline.breaker.state, 'open');
  });

  test('a call that ignores its signal is cut off at the deadline with RAGD_ERR_TIMEOUT', async () => {
    const { pipeline, rt, outcomes } = setup({ timeoutMs: 5_000 });
    let attemptSignal: AbortSignal | undefined;
    const p = settle(
      pipeline.execute((signal) => {
        attemptSignal = signal;
        return new Promise(() => undefined);
      }),
    );
    await flush();
    rt.advance(5_000);
    const err = await p;
    assert.equal(code(err), 'RAGD_ERR_TIMEOUT');
    assert.equal(attemptSignal?.aborted, true);
    assert.equal(pipeline.breaker.snapshot().consecutiveFailures, 1, 'a 5 s hang counts against the dependency');
    assert.deepEqual(outcomes(), ['timeout']);
  });

  test('the caller deadline shortens the budget; a short one does not count against the dependency', async () => {
    const { pipeline, rt } = setup({ timeoutMs: 5_000 });
    const p = settle(pipeline.execute(() => new Promise(() => undefined), { deadline: rt.now() + 200 }));
    await flush();
    rt.advance(200);
    assert.equal(code(await p), 'RAGD_ERR_TIMEOUT');
    assert.equal(pipeline.breaker.snapshot().consecutiveFailures, 0);
  });

  test('a passed deadline fails without calling', async () => {
    const { pipeline, rt } = setup();
    let called = false;
    const err = await settle(pipeline.execute(async () => (called = true), { deadline: rt.now() }));
    assert.equal(code(err), 'RAGD_ERR_TIMEOUT');
    assert.equal(called, false);
  });

  test('a caller abort fails with RAGD_ERR_CLIENT_CLOSED and is not a breaker failure', async () => {
    const { pipeline, outcomes } = setup();
    const controller = new AbortController();
    const p = settle(pipeline.execute(() => new Promise(() => undefined), { signal: controller.signal, idempotent: true }));
    await flush();
    controller.abort();
    assert.equal(code(await p), 'RAGD_ERR_CLIENT_CLOSED');
    assert.equal(pipeline.breaker.snapshot().totals.failures, 0);
    assert.deepEqual(outcomes(), ['cancelled']);
  });

  test('a provider 4xx is neither retried nor a breaker failure', async () => {
    const { pipeline, outcomes } = setup();
    let n = 0;
    const err = await settle(pipeline.execute(async () => (n++, Promise.reject(new RagdError('RAGD_ERR_PROVIDER_REJECTED'))), { idempotent: true }));
    assert.equal(code(err), 'RAGD_ERR_PROVIDER_REJECTED');
    assert.equal(n, 1);
    assert.deepEqual(pipeline.breaker.snapshot().totals, { calls: 1, successes: 1, failures: 0, rejections: 0 });
    assert.deepEqual(outcomes(), ['client_error']);
  });

  test('the bulkhead fails fast when full and reports the rejection', async () => {
    const { pipeline, events, outcomes } = setup({ bulkhead: { maxConcurrent: 1, maxQueue: 0 } });
    let finish: (v: string) => void = () => undefined;
    const first = pipeline.execute(() => new Promise<string>((resolve) => (finish = resolve)));
    await flush();
    assert.equal(code(await settle(pipeline.execute(async () => 'x'))), 'RAGD_ERR_BULKHEAD_FULL');
    finish('done');
    assert.equal(await first, 'done');
    assert.equal(events.filter((e) => e.type === 'bulkheadRejected').length, 1);
    assert.deepEqual(outcomes(), ['bulkhead_full', 'success']);
  });

  test('injected faults run inside the attempt, so the breaker and metrics see them', async () => {
    const faults = new FaultInjector({ enabled: true });
    faults.set('embedding', [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }]);
    const { pipeline } = setup({ retry: { maxAttempts: 1 } }, faults);
    let called = 0;
    for (let i = 0; i < 5; i++) await settle(pipeline.execute(async () => ++called));
    assert.equal(called, 0);
    assert.equal(pipeline.breaker.state, 'open');
    faults.clear();
  });

  test('rejects an invalid policy with RAGD_ERR_CONFIG', () => {
    assert.throws(() => new Pipeline('x', mergePolicy(DEFAULT_PIPELINE_POLICY, { timeoutMs: 0 })), (e: unknown) => code(e) === 'RAGD_ERR_CONFIG');
    assert.throws(() => new Pipeline('x', mergePolicy(DEFAULT_PIPELINE_POLICY, { retry: { maxAttempts: 0 } })), (e: unknown) => code(e) === 'RAGD_ERR_CONFIG');
  });
});
