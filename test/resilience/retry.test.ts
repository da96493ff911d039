import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RagdError } from '../../src/errors/ragd-error.js';
import { backoffCeilingMs, fullJitterDelayMs } from '../../src/resilience/backoff.js';
import { retry, DEFAULT_RETRY_POLICY, type RetryOptions } from '../../src/resilience/retry.js';
import { RetryBudget } from '../../src/resilience/retry-budget.js';
import { FakeRuntime } from './fake-runtime.js';

const unavailable = (retryAfterSeconds?: number): RagdError =>
  new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE', 'down', retryAfterSeconds === undefined ? {} : { retryAfterSeconds });

function failing(errors: () => unknown) {
  let calls = 0;
  const fn = async (): Promise<string> => {
    calls += 1;
    throw errors();
  };
  return { fn, calls: () => calls };
}

async function settle<T>(p: Promise<T>): Promise<unknown> {
  try {
    return await p;
  } catch (err) {
    return err;
  }
}

describe('retry', () => {
  test('makes 3 attempts by default for idempotent, retryable failures and throws the last error', async () => {
    const rt = new FakeRuntime();
    let n = 0;
    const err = await settle(
      retry(async (attempt) => {
        n += 1;
        assert.equal(attempt, n);
        throw unavailable();
      }, { idempotent: true, runtime: rt }),
    );
    assert.equal(n, 3);
    assert.equal((err as RagdError).code, 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    assert.equal(rt.sleeps.length, 2);
  });

  test('succeeds on a later attempt', async () => {
    const rt = new FakeRuntime();
    let n = 0;
    const value = await retry(async () => (++n < 3 ? Promise.reject(unavailable()) : 'ok'), { idempotent: true, runtime: rt });
    assert.equal(value, 'ok');
  });

  test('does not retry non-idempotent operations, non-retryable errors or plain exceptions', async () => {
    const cases: Array<[unknown, boolean]> = [
      [unavailable(), false],
      [new RagdError('RAGD_ERR_PROVIDER_REJECTED'), true],
      [new RagdError('RAGD_ERR_CIRCUIT_OPEN', 'open', { retryAfterSeconds: 1 }), true],
      [new RagdError('RAGD_ERR_BULKHEAD_FULL'), true],
      [new RagdError('RAGD_ERR_CLIENT_CLOSED'), true],
      [new TypeError('bug'), true],
    ];
    for (const [error, idempotent] of cases) {
      const f = failing(() => error);
      assert.equal(await settle(retry(f.fn, { idempotent, runtime: new FakeRuntime() })), error);
      assert.equal(f.calls(), 1, String(error));
    }
  });

  test('waits are full jitter within [0, min(cap, base * 2^(n-1)))', async () => {
    const rt = new FakeRuntime(0, 0.5);
    const f = failing(() => unavailable());
    await settle(retry(f.fn, { idempotent: true, runtime: rt, policy: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 300 } }));
    assert.deepEqual(rt.sleeps, [50, 100, 150, 150, 150]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const ceiling = backoffCeilingMs(n, { baseDelayMs: 100, maxDelayMs: 2_000 });
        const d = fullJitterDelayMs(n, () => r, { baseDelayMs: 100, maxDelayMs: 2_000 });
        assert.ok(ceiling <= 2_000 && ceiling === Math.min(2_000, 100 * 2 ** (n - 1)));
        assert.ok(d >= 0 && d < ceiling);
      }),
    );
  });

  test('honours Retry-After: waits at least that long', async () => {
    const rt = new FakeRuntime(0, 0);
    let n = 0;
    await retry(async () => (++n === 1 ? Promise.reject(unavailable(2)) : 'ok'), { idempotent: true, runtime: rt });
    assert.deepEqual(rt.sleeps, [2_000]);
  });

  test('gives up at once with the last error when Retry-After would pass the deadline', async () => {
    const rt = new FakeRuntime(0, 0);
    const f = failing(() => unavailable(5));
    const err = await settle(retry(f.fn, { idempotent: true, runtime: rt, deadline: 4_000 }));
    assert.equal((err as RagdError).retryAfterSeconds, 5);
    assert.equal(f.calls(), 1);
    assert.deepEqual(rt.sleeps, []);
  });

  test('never starts an attempt at or after the deadline (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ work: fc.integer({ min: 0, max: 400 }), retryAfter: fc.option(fc.integer({ min: 0, max: 3 })) }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (script, budgetMs, r) => {
          const rt = new FakeRuntime(0, r);
          const deadline = budgetMs;
          const starts: number[] = [];
          await settle(
            retry(
              async (n) => {
                starts.push(rt.now());
                const step = script[(n - 1) % script.length]!;
                rt.advance(step.work);
                throw unavailable(step.retryAfter ?? undefined);
              },
              { idempotent: true, runtime: rt, deadline, policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 10 } },
            ),
          );
          for (const s of starts.slice(1)) assert.ok(s < deadline, `attempt started at ${s} >= ${deadline}`);
        },
      ),
    );
  });

  test('stops when canRetry says no (the breaker opened)', async () => {
    const f = failing(() => unavailable());
    await settle(retry(f.fn, { idempotent: true, runtime: new FakeRuntime(), canRetry: () => false }));
    assert.equal(f.calls(), 1);
  });

  test('an abort during the wait rejects with the abort error', async () => {
    const controller = new AbortController();
    const rt = {
      ...new FakeRuntime(),
      sleep: async (_ms: number, signal?: AbortSignal): Promise<void> => {
        controller.abort();
        throw signal?.reason;
      },
    };
    const err = await settle(retry(failing(() => unavailable()).fn, { idempotent: true, runtime: rt, signal: controller.signal }));
    assert.equal((err as RagdError).code, 'RAGD_ERR_CLIENT_CLOSED');
  });

  test('onRetry reports the next attempt and its wait', async () => {
    const rt = new FakeRuntime(0, 0.5);
    const seen: Array<[number, number]> = [];
    await settle(retry(failing(() => unavailable()).fn, { idempotent: true, runtime: rt, onRetry: (e) => seen.push([e.attempt, e.delayMs]) }));
    assert.deepEqual(seen, [
      [2, 50],
      [3, 100],
    ]);
  });

  test('the budget caps amplification: with a 100%-failing upstream, attempts <= 1.2 x calls + allowance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 2, max: 10 }), async (calls, maxAttempts) => {
        const rt = new FakeRuntime(0, 0);
        const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetriesPerSecond: 1 }, rt.now);
        const allowance = 1 * 10;
        let attempts = 0;
        const options: RetryOptions = { idempotent: true, runtime: rt, budget, policy: { ...DEFAULT_RETRY_POLICY, maxAttempts, baseDelayMs: 0, maxDelayMs: 0 } };
        for (let i = 0; i < calls; i++) {
          budget.recordCall();
          await settle(
            retry(async () => {
              attempts += 1;
              throw unavailable();
            }, options),
          );
        }
        assert.ok(attempts <= 1.2 * calls + allowance, `${attempts} attempts for ${calls} calls`);
        assert.ok(attempts >= calls);
      }),
    );
  });
});

describe('RetryBudget', () => {
  test('allows the per-second allowance at low traffic, then ratio x calls, and refills as the window slides', () => {
    const rt = new FakeRuntime(0);
    const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetriesPerSecond: 0.5 }, rt.now);
    for (let i = 0; i < 5; i++) assert.ok(budget.tryRetry());
    assert.equal(budget.tryRetry(), false);
    for (let i = 0; i < 10; i++) budget.recordCall();
    assert.ok(budget.tryRetry());
    assert.ok(budget.tryRetry());
    assert.equal(budget.tryRetry(), false);
    assert.deepEqual(budget.snapshot(), { calls: 10, retries: 7, available: 0, exhausted: 2 });
    rt.advance(10_000);
    assert.deepEqual(budget.snapshot(), { calls: 0, retries: 0, available: 5, exhausted: 2 });
  });

  test('rejects invalid options', () => {
    assert.throws(() => new RetryBudget({ ratio: -1, windowMs: 10_000, minRetriesPerSecond: 1 }), /ratio/);
    assert.throws(() => new RetryBudget({ ratio: 0.2, windowMs: 10, minRetriesPerSecond: 1 }), /windowMs/);
  });
});
