import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RagdError } from '../../src/errors/ragd-error.js';
import { abortReasonToError, raceAbort } from '../../src/resilience/abort.js';
import { createDeadlineSignal, remainingMs, resolveDeadline } from '../../src/resilience/deadline.js';
import { parseDurationMs, parseRequestTimeout } from '../../src/resilience/request-timeout.js';
import { FakeRuntime } from './fake-runtime.js';

const code = (e: unknown): string | undefined => (e instanceof RagdError ? e.code : undefined);

describe('deadline budget', () => {
  test('remainingMs and resolveDeadline', () => {
    assert.equal(remainingMs(undefined, 5), Infinity);
    assert.equal(remainingMs(100, 40), 60);
    assert.equal(remainingMs(100, 140), 0);
    assert.equal(resolveDeadline(1_000, 500), 1_500);
    assert.equal(resolveDeadline(1_000, 500, 1_200), 1_200);
    assert.equal(resolveDeadline(1_000, 500, 9_000), 1_500);
  });
});

describe('createDeadlineSignal', () => {
  test('aborts with RAGD_ERR_TIMEOUT at the deadline', () => {
    const rt = new FakeRuntime(0);
    const d = createDeadlineSignal(undefined, 1_000, { runtime: rt, dependency: 'embedding' });
    rt.advance(999);
    assert.equal(d.signal.aborted, false);
    rt.advance(1);
    assert.equal(code(d.signal.reason), 'RAGD_ERR_TIMEOUT');
    assert.deepEqual((d.signal.reason as RagdError).details, { dependency: 'embedding' });
    assert.equal(rt.pendingTimers, 0);
  });

  test('follows the parent: RagdError reasons pass through, TimeoutError maps to TIMEOUT, others to CLIENT_CLOSED', () => {
    const rt = new FakeRuntime(0);
    const reasons: Array<[unknown, string]> = [
      [new RagdError('RAGD_ERR_SHUTTING_DOWN'), 'RAGD_ERR_SHUTTING_DOWN'],
      [new DOMException('t', 'TimeoutError'), 'RAGD_ERR_TIMEOUT'],
      [undefined, 'RAGD_ERR_CLIENT_CLOSED'],
    ];
    for (const [reason, expected] of reasons) {
      const parent = new AbortController();
      const d = createDeadlineSignal(parent.signal, 10_000, { runtime: rt });
      parent.abort(reason);
      assert.equal(code(d.signal.reason), expected);
      assert.equal(rt.pendingTimers, 0, 'the timer is cleared when the parent aborts');
    }
  });

  test('dispose clears the timer and the parent listener and does not abort', () => {
    const rt = new FakeRuntime(0);
    const parent = new AbortController();
    const d = createDeadlineSignal(parent.signal, 10_000, { runtime: rt });
    d.dispose();
    d.dispose();
    assert.equal(rt.pendingTimers, 0);
    parent.abort();
    rt.advance(20_000);
    assert.equal(d.signal.aborted, false);
  });

  test('an aborted parent or a passed deadline aborts at once, without a timer', () => {
    const rt = new FakeRuntime(5_000);
    assert.equal(code(createDeadlineSignal(AbortSignal.abort(), 10_000, { runtime: rt }).signal.reason), 'RAGD_ERR_CLIENT_CLOSED');
    assert.equal(code(createDeadlineSignal(undefined, 5_000, { runtime: rt }).signal.reason), 'RAGD_ERR_TIMEOUT');
    assert.equal(createDeadlineSignal(undefined, undefined, { runtime: rt }).signal.aborted, false);
    assert.equal(rt.pendingTimers, 0);
  });

  test('abort(reason) aborts now with that reason', () => {
    const rt = new FakeRuntime(0);
    const d = createDeadlineSignal(undefined, 1_000, { runtime: rt });
    d.abort(new RagdError('RAGD_ERR_CLIENT_CLOSED'));
    assert.equal(code(d.signal.reason), 'RAGD_ERR_CLIENT_CLOSED');
    assert.equal(rt.pendingTimers, 0);
  });
});

describe('raceAbort', () => {
  test('rejects with the mapped reason when the signal wins, else settles like the promise', async () => {
    const c = new AbortController();
    const never = new Promise<never>(() => undefined);
    const raced = raceAbort(never, c.signal);
    c.abort(new RagdError('RAGD_ERR_TIMEOUT'));
    await assert.rejects(raced, (e: unknown) => code(e) === 'RAGD_ERR_TIMEOUT');
    assert.equal(await raceAbort(Promise.resolve(3), new AbortController().signal), 3);
    assert.equal(code(abortReasonToError('gone')), 'RAGD_ERR_CLIENT_CLOSED');
  });
});

describe('X-Request-Timeout', () => {
  const DEFAULT = 30_000;
  const isValidation = (e: unknown): boolean =>
    e instanceof RagdError && e.code === 'RAGD_ERR_VALIDATION' && e.details?.field === 'X-Request-Timeout';

  test('accepts milliseconds and durations, and can only shorten the server default', () => {
    assert.equal(parseRequestTimeout(undefined, DEFAULT), DEFAULT);
    assert.equal(parseRequestTimeout('1500', DEFAULT), 1_500);
    assert.equal(parseRequestTimeout('500ms', DEFAULT), 500);
    assert.equal(parseRequestTimeout('2s', DEFAULT), 2_000);
    assert.equal(parseRequestTimeout('1.5s', DEFAULT), 1_500);
    assert.equal(parseRequestTimeout(' 250MS ', DEFAULT), 250);
    assert.equal(parseRequestTimeout(['700'], DEFAULT), 700);
    assert.equal(parseRequestTimeout('60s', DEFAULT), DEFAULT);
    assert.equal(parseRequestTimeout('99999999999', DEFAULT), DEFAULT);
    assert.equal(parseDurationMs('0.1ms'), 1);
  });

  test('rejects anything else with RAGD_ERR_VALIDATION naming the field', () => {
    for (const bad of ['', ' ', 'abc', '-5', '0', '0ms', '0.0s', '10m', '1e3', '5 s', '2 seconds', 'Infinity', 'NaN', '1,5s', '9'.repeat(40)]) {
      assert.throws(() => parseRequestTimeout(bad, DEFAULT), isValidation, JSON.stringify(bad));
    }
    assert.throws(() => parseRequestTimeout(['1', '2'], DEFAULT), isValidation);
    assert.throws(() => parseRequestTimeout([], DEFAULT), isValidation);
  });

  test('never extends the server default, for any input (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.nat().map(String), fc.nat().map((n) => `${n}ms`), fc.nat({ max: 1e6 }).map((n) => `${n}s`)), (header) => {
        try {
          const ms = parseRequestTimeout(header, DEFAULT);
          assert.ok(ms > 0 && ms <= DEFAULT && Number.isInteger(ms));
        } catch (e) {
          assert.ok(isValidation(e));
        }
      }),
    );
  });
});
