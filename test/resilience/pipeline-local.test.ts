/**
 * Pipeline.executeLocal: synchronous in-process work through the breaker, bulkhead and events
 * without a deadline signal, timer or retry loop; the same refusals and outcomes as `execute`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import { ResilienceEventHub, type ResilienceEventMap } from '../../src/resilience/events.js';
import { FaultInjector } from '../../src/resilience/fault-injection.js';
import { Pipeline } from '../../src/resilience/pipeline.js';
import { mergePolicy, DEFAULT_PIPELINE_POLICY, type PolicyOverrides } from '../../src/resilience/policy.js';
import { FakeRuntime, flush } from './fake-runtime.js';

const code = (e: unknown): string | undefined => (e instanceof RagdError ? e.code : undefined);

function setup(overrides: PolicyOverrides = {}, faults?: FaultInjector) {
  const rt = new FakeRuntime(1_000_000, 0);
  const hub = new ResilienceEventHub();
  const outcomes: ResilienceEventMap['callOutcome'][] = [];
  hub.on('callOutcome', (e) => outcomes.push(e));
  const pipeline = new Pipeline('vector_search', mergePolicy(DEFAULT_PIPELINE_POLICY, overrides), {
    runtime: rt,
    events: hub,
    ...(faults === undefined ? {} : { faults }),
  });
  return { rt, pipeline, outcomes };
}

async function settle<T>(p: Promise<T>): Promise<unknown> {
  try {
    return await p;
  } catch (err) {
    return err;
  }
}

describe('Pipeline.executeLocal', () => {
  test('runs the work once, counts it for the breaker, emits the outcome, sets no timer and frees the slot', async () => {
    const { pipeline, rt, outcomes } = setup();
    let timers = 0;
    const setTimeout = rt.setTimeout;
    (rt as { setTimeout: typeof setTimeout }).setTimeout = (fn, ms) => (timers++, setTimeout(fn, ms));
    const value = await pipeline.executeLocal(() => 'v');
    assert.equal(value, 'v');
    assert.equal(timers, 0, 'no deadline timer for synchronous work');
    assert.deepEqual(outcomes.map((o) => [o.outcome, o.attempts]), [['success', 1]]);
    assert.deepEqual(pipeline.breaker.snapshot().totals, { calls: 1, successes: 1, failures: 0, rejections: 0 });
    assert.equal(pipeline.bulkhead.activeCalls, 0);
    assert.equal(pipeline.budget.snapshot().calls, 1);
  });

  test('the slot is held while the work runs', async () => {
    const { pipeline } = setup();
    let during = -1;
    await pipeline.executeLocal(() => (during = pipeline.bulkhead.activeCalls));
    assert.equal(during, 1);
  });

  test('a throw is a rejected promise, counted like an attempt in execute, and never retried', async () => {
    const { pipeline, outcomes } = setup();
    let n = 0;
    const err = await settle(
      pipeline.executeLocal(() => {
        n++;
        throw new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE', 'index broke');
      }, { idempotent: true }),
    );
    assert.equal(code(err), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    assert.equal(n, 1);
    assert.equal(pipeline.breaker.snapshot().consecutiveFailures, 1);
    assert.deepEqual(outcomes.map((o) => o.outcome), ['failure']);
    assert.equal(pipeline.bulkhead.activeCalls, 0);
  });

  test('an open breaker refuses without running the work, counted as a rejection', async () => {
    const { pipeline, outcomes } = setup();
    const broken = (): never => {
      throw new Error('index broke');
    };
    for (let i = 0; i < 5; i++) await settle(pipeline.executeLocal(broken));
    assert.equal(pipeline.breaker.state, 'open');
    let called = false;
    const err = await settle(pipeline.executeLocal(() => (called = true)));
    assert.equal(code(err), 'RAGD_ERR_CIRCUIT_OPEN');
    assert.equal(called, false);
    assert.equal(pipeline.breaker.snapshot().totals.rejections, 1);
    assert.equal(outcomes.at(-1)?.attempts, 0);
  });

  test('an aborted caller signal and a passed deadline fail before the work, with the errors execute gives', async () => {
    const { pipeline, rt } = setup();
    let called = false;
    const controller = new AbortController();
    controller.abort();
    const aborted = await settle(pipeline.executeLocal(() => (called = true), { signal: controller.signal }));
    const viaExecute = await settle(pipeline.execute(async () => (called = true), { signal: controller.signal }));
    assert.equal(code(aborted), 'RAGD_ERR_CLIENT_CLOSED');
    assert.equal(code(aborted), code(viaExecute));
    const late = await settle(pipeline.executeLocal(() => (called = true), { deadline: rt.now() }));
    const lateViaExecute = await settle(pipeline.execute(async () => (called = true), { deadline: rt.now() }));
    assert.equal(code(late), 'RAGD_ERR_TIMEOUT');
    assert.equal((late as RagdError).message, (lateViaExecute as RagdError).message);
    assert.equal(called, false);
    assert.equal(pipeline.breaker.snapshot().totals.failures, 0);
  });

  test('abortedReason is asked instead of the signal, which is never read when the work runs at once', async () => {
    const { pipeline } = setup();
    let called = false;
    let signalReads = 0;
    const lazy = (reason: unknown) => ({
      get signal(): AbortSignal {
        signalReads++;
        return new AbortController().signal;
      },
      abortedReason: () => reason,
    });
    const refused = await settle(pipeline.executeLocal(() => (called = true), lazy(new RagdError('RAGD_ERR_CLIENT_CLOSED', 'client closed the request'))));
    assert.equal(code(refused), 'RAGD_ERR_CLIENT_CLOSED');
    assert.equal(called, false);
    assert.equal(await pipeline.executeLocal(() => 'ran', lazy(undefined)), 'ran');
    assert.equal(signalReads, 0, 'the lazily made signal was never made');
    assert.equal(pipeline.breaker.snapshot().totals.failures, 0);
  });

  test('with no free slot the call queues as execute would, and runs when one frees up', async () => {
    const { pipeline } = setup({ bulkhead: { maxConcurrent: 1, maxQueue: 1 } });
    let finish: (v: string) => void = () => undefined;
    const first = pipeline.execute(() => new Promise<string>((resolve) => (finish = resolve)));
    await flush();
    const queued = pipeline.executeLocal(() => 'second');
    await flush();
    assert.equal(pipeline.bulkhead.queuedCalls, 1);
    finish('first');
    assert.deepEqual(await Promise.all([first, queued]), ['first', 'second']);
  });

  test('with a fault injected for the dependency, the call goes through execute so the fault applies (and retries)', async () => {
    const faults = new FaultInjector({ enabled: true });
    faults.set('vector_search', [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }]);
    const { pipeline, outcomes } = setup({ retry: { maxAttempts: 2 } }, faults);
    let called = 0;
    const err = await settle(pipeline.executeLocal(() => ++called, { idempotent: true }));
    assert.equal(code(err), 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    assert.equal(called, 0);
    assert.equal(outcomes.at(-1)?.attempts, 2);
    faults.clear();
    assert.equal(await pipeline.executeLocal(() => ++called), 1);
  });
});

describe('Pipeline.executeLocalNow', () => {
  test('runs now with executeLocal\'s books and returns { value }; throws what executeLocal rejects with', () => {
    const { pipeline, outcomes } = setup();
    assert.deepEqual(pipeline.executeLocalNow(() => 'v'), { value: 'v' });
    assert.deepEqual(pipeline.breaker.snapshot().totals, { calls: 1, successes: 1, failures: 0, rejections: 0 });
    assert.throws(
      () =>
        pipeline.executeLocalNow(() => {
          throw new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE', 'broke');
        }),
      (e: unknown) => code(e) === 'RAGD_ERR_PROVIDER_UNAVAILABLE',
    );
    assert.deepEqual(outcomes.map((o) => o.outcome), ['success', 'failure']);
    assert.equal(pipeline.bulkhead.activeCalls, 0);
    assert.throws(() => pipeline.executeLocalNow(() => 'x', { deadline: 0 }), (e: unknown) => code(e) === 'RAGD_ERR_TIMEOUT');
  });

  test('undefined, having done nothing, when only execute can run it (a fault injected, no free slot)', async () => {
    const faults = new FaultInjector({ enabled: true });
    faults.set('vector_search', [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }]);
    const { pipeline, outcomes } = setup({ bulkhead: { maxConcurrent: 1, maxQueue: 1 } }, faults);
    let called = 0;
    assert.equal(pipeline.executeLocalNow(() => ++called), undefined);
    faults.clear();
    let finish: (v: string) => void = () => undefined;
    const first = pipeline.execute(() => new Promise<string>((resolve) => (finish = resolve)));
    await flush();
    assert.equal(pipeline.executeLocalNow(() => ++called), undefined, 'the only slot is taken');
    assert.equal(called, 0);
    assert.equal(pipeline.budget.snapshot().calls, 1, 'only the execute call was counted');
    finish('first');
    await first;
    assert.deepEqual(pipeline.executeLocalNow(() => ++called), { value: 1 });
    assert.deepEqual(outcomes.map((o) => o.outcome), ['success', 'success']);
  });
});
