import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, DEFAULT_CIRCUIT_BREAKER, type CircuitBreakerOptions, type StateChange } from '../../src/resilience/circuit-breaker.js';
import { RagdError } from '../../src/errors/ragd-error.js';
import { FakeRuntime } from './fake-runtime.js';

function setup(overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = new FakeRuntime();
  const breaker = new CircuitBreaker('embedding', { ...DEFAULT_CIRCUIT_BREAKER, ...overrides }, clock.now);
  const changes: StateChange[] = [];
  breaker.onStateChange((c) => changes.push(c));
  return { clock, breaker, changes };
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) breaker.acquire().failure();
}

function isCircuitOpen(err: unknown): boolean {
  return err instanceof RagdError && err.code === 'RAGD_ERR_CIRCUIT_OPEN';
}

describe('CircuitBreaker', () => {
  test('opens on the 5th consecutive failure, not before', () => {
    const { breaker, changes } = setup();
    fail(breaker, 4);
    assert.equal(breaker.state, 'closed');
    fail(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.deepEqual(changes.map((c) => [c.from, c.to]), [['closed', 'open']]);
  });

  test('a success resets the consecutive failure count', () => {
    const { breaker } = setup();
    fail(breaker, 4);
    breaker.acquire().success(5);
    fail(breaker, 4);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().consecutiveFailures, 4);
  });

  test('rejects with RAGD_ERR_CIRCUIT_OPEN and Retry-After until 60 s have passed', () => {
    const { breaker, clock } = setup();
    fail(breaker, 5);
    let err: unknown;
    try {
      breaker.acquire();
    } catch (e) {
      err = e;
    }
    assert.ok(isCircuitOpen(err));
    assert.equal((err as RagdError).retryAfterSeconds, 60);
    assert.deepEqual((err as RagdError).details, { dependency: 'embedding' });
    clock.advance(59_999);
    assert.throws(() => breaker.acquire(), (e: unknown) => isCircuitOpen(e) && (e as RagdError).retryAfterSeconds === 1);
    assert.equal(breaker.snapshot().totals.rejections, 2);
    clock.advance(1);
    assert.equal(breaker.state, 'half_open');
    breaker.acquire();
  });

  test('half-open admits at most halfOpenMaxTrials trial calls at once', () => {
    for (const trials of [1, 3]) {
      const { breaker, clock } = setup({ halfOpenMaxTrials: trials });
      fail(breaker, 5);
      clock.advance(60_000);
      const permits = Array.from({ length: trials }, () => breaker.acquire());
      assert.throws(() => breaker.acquire(), isCircuitOpen);
      permits[0]!.ignore(); // an ignored outcome frees the slot without counting
      const again = breaker.acquire();
      assert.equal(breaker.snapshot().trialsInFlight, trials);
      again.ignore();
      assert.equal(breaker.state, 'half_open');
    }
  });

  test('3 consecutive trial successes close it', () => {
    const { breaker, clock, changes } = setup();
    fail(breaker, 5);
    clock.advance(60_000);
    breaker.acquire().success(1);
    breaker.acquire().success(1);
    assert.equal(breaker.state, 'half_open');
    breaker.acquire().success(1);
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(changes.map((c) => c.to), ['open', 'half_open', 'closed']);
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
  });

  test('any failure in half-open re-opens it', () => {
    const { breaker, clock } = setup();
    fail(breaker, 5);
    clock.advance(60_000);
    breaker.acquire().success(1);
    breaker.acquire().success(1);
    breaker.acquire().failure();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.snapshot().openUntil, clock.now() + 60_000);
  });

  test('the open period grows with each consecutive re-open and is capped; closing resets it', () => {
    const { breaker, clock } = setup({ openMultiplier: 2, maxOpenMs: 200_000 });
    fail(breaker, 5);
    const periods: number[] = [];
    for (let i = 0; i < 4; i++) {
      const snap = breaker.snapshot();
      periods.push(snap.openUntil! - clock.now());
      clock.advance(snap.openUntil! - clock.now());
      breaker.acquire().failure();
    }
    assert.deepEqual(periods, [60_000, 120_000, 200_000, 200_000]);
    clock.advance(200_000);
    for (let i = 0; i < 3; i++) breaker.acquire().success(1);
    assert.equal(breaker.state, 'closed');
    fail(breaker, 5);
    assert.equal(breaker.snapshot().openUntil! - clock.now(), 60_000);
  });

  test('an outcome from a permit granted in an earlier state cannot move the state machine', () => {
    const { breaker, clock } = setup({ successThreshold: 1 });
    const stale = breaker.acquire(); // granted while CLOSED
    fail(breaker, 5);
    clock.advance(60_000);
    assert.equal(breaker.state, 'half_open');
    stale.success(1);
    assert.equal(breaker.state, 'half_open');
    assert.equal(breaker.snapshot().totals.successes, 1);
  });

  test('failure-rate mode opens above the threshold once the window holds minimumCalls', () => {
    const { breaker } = setup({ failureRate: { threshold: 0.5, windowSize: 10, minimumCalls: 6 } });
    // F S F S F: 60% failed but only 5 calls, and never 5 in a row.
    for (const ok of [false, true, false, true, false]) {
      const p = breaker.acquire();
      if (ok) p.success(1);
      else p.failure();
    }
    assert.equal(breaker.state, 'closed');
    breaker.acquire().failure(); // 4 of 6 failed
    assert.equal(breaker.state, 'open');
  });

  test('slow-call mode: slow successes count as failures for the rate and re-open a half-open breaker', () => {
    const { breaker, clock } = setup({ failureRate: { threshold: 0.5, windowSize: 4, minimumCalls: 4 }, slowCallMs: 1_000 });
    breaker.acquire().success(50);
    for (let i = 0; i < 2; i++) breaker.acquire().success(2_000);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.snapshot().consecutiveFailures, 0);
    breaker.acquire().success(2_000);
    assert.equal(breaker.state, 'open'); // 3 slow of 4 > 50%
    clock.advance(60_000);
    breaker.acquire().success(50);
    breaker.acquire().success(1_500);
    assert.equal(breaker.state, 'open');
  });

  test('lateFailure counts only while the state is unchanged', () => {
    const { breaker, clock } = setup();
    fail(breaker, 5);
    clock.advance(60_000);
    const trial = breaker.acquire();
    trial.success(1);
    trial.lateFailure();
    assert.equal(breaker.state, 'open');
    trial.lateFailure(); // reported once only
    assert.equal(breaker.snapshot().totals.failures, 6);
  });

  test('each permit reports once; snapshot has every field', () => {
    const { breaker, clock } = setup();
    const p = breaker.acquire();
    p.failure();
    p.failure();
    p.success(1);
    assert.deepEqual(breaker.snapshot(), {
      name: 'embedding',
      state: 'closed',
      consecutiveFailures: 1,
      consecutiveSuccesses: 0,
      totals: { calls: 1, successes: 0, failures: 1, rejections: 0 },
      lastTransitionAt: clock.now(),
      openUntil: null,
      trialsInFlight: 0,
    });
  });

  test('a throwing listener does not break transitions or other listeners', () => {
    const clock = new FakeRuntime();
    const breaker = new CircuitBreaker('redis', DEFAULT_CIRCUIT_BREAKER, clock.now);
    const seen: string[] = [];
    const warnings: unknown[] = [];
    process.once('warning', (w) => warnings.push(w));
    breaker.onStateChange(() => {
      throw new Error('metrics bug');
    });
    const off = breaker.onStateChange((c) => seen.push(c.to));
    fail(breaker, 5);
    assert.deepEqual(seen, ['open']);
    off();
    clock.advance(60_000);
    assert.equal(breaker.state, 'half_open');
    assert.deepEqual(seen, ['open']);
  });

  test('rejects invalid options with RAGD_ERR_CONFIG', () => {
    const bad: Array<Partial<CircuitBreakerOptions>> = [
      { failureThreshold: 0 },
      { successThreshold: 1.5 },
      { halfOpenMaxTrials: 0 },
      { openMs: 0 },
      { maxOpenMs: 1 },
      { openMultiplier: 0.5 },
      { failureRate: { threshold: 1, windowSize: 10, minimumCalls: 5 } },
      { failureRate: { threshold: 0.5, windowSize: 10, minimumCalls: 11 } },
      { slowCallMs: 1000 },
    ];
    for (const o of bad) {
      assert.throws(() => new CircuitBreaker('x', { ...DEFAULT_CIRCUIT_BREAKER, ...o }), (e: unknown) => e instanceof RagdError && e.code === 'RAGD_ERR_CONFIG', JSON.stringify(o));
    }
  });
});
