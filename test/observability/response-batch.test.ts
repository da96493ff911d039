import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RESPONSE_BATCH_DELAY_MS, ResponseBatch, ResponseRecord, type DeferredObservation } from '../../src/observability/response-batch.js';

/** A manual timer: `fire()` runs what is scheduled; `scheduled` lists the delays asked for. */
function manualTimer() {
  let pending: (() => void) | undefined;
  const scheduled: number[] = [];
  return {
    scheduled,
    schedule: (fn: () => void, ms: number) => {
      assert.equal(pending, undefined, 'one timer at a time');
      pending = fn;
      scheduled.push(ms);
      return () => {
        pending = undefined;
      };
    },
    get armed() {
      return pending !== undefined;
    },
    fire() {
      const fn = pending;
      pending = undefined;
      fn?.();
    },
  };
}

const record = (i: number, deferred?: DeferredObservation) =>
  new ResponseRecord('/api/v1/rag/query', 'POST', 200, i / 10, 1_000 + i, `r-${i}`, '/api/v1/rag/query', undefined, 'exact', undefined, deferred);

describe('ResponseBatch', () => {
  test('records wait for the timer, then are applied in order, each once', () => {
    const timer = manualTimer();
    const applied: string[] = [];
    const batch = new ResponseBatch({ apply: (r) => applied.push(r.reqId), schedule: timer.schedule });
    for (let i = 0; i < 5; i++) batch.push(record(i));
    assert.deepEqual(applied, []);
    assert.equal(batch.size, 5);
    assert.deepEqual(timer.scheduled, [DEFAULT_RESPONSE_BATCH_DELAY_MS], 'one timer for the batch');
    timer.fire();
    assert.deepEqual(applied, ['r-0', 'r-1', 'r-2', 'r-3', 'r-4']);
    assert.equal(batch.size, 0);
    timer.fire(); // nothing left: nothing applied twice
    assert.equal(applied.length, 5);
    batch.push(record(5));
    assert.equal(timer.scheduled.length, 2, 'the next record arms a new timer');
  });

  test('a full batch is applied at once and its timer cancelled; drain applies what waits', () => {
    const timer = manualTimer();
    const applied: number[] = [];
    const batch = new ResponseBatch({ apply: (r) => applied.push(r.at), schedule: timer.schedule, maxPending: 3 });
    batch.push(record(0));
    batch.push(record(1));
    assert.ok(timer.armed);
    batch.push(record(2));
    assert.deepEqual(applied, [1_000, 1_001, 1_002]);
    assert.equal(timer.armed, false, 'the timer of an applied batch is cancelled');
    batch.push(record(3));
    batch.drain();
    assert.deepEqual(applied, [1_000, 1_001, 1_002, 1_003]);
    assert.equal(timer.armed, false);
    batch.drain(); // empty: no-op
    assert.equal(applied.length, 4);
  });

  test('one record whose apply throws is counted and the rest are still applied', () => {
    const timer = manualTimer();
    const applied: string[] = [];
    const batch = new ResponseBatch({
      apply: (r) => {
        if (r.reqId === 'r-1') throw new Error('boom');
        applied.push(r.reqId);
      },
      schedule: timer.schedule,
    });
    for (let i = 0; i < 3; i++) batch.push(record(i));
    batch.drain();
    assert.deepEqual(applied, ['r-0', 'r-2']);
    assert.equal(batch.failures, 1);
  });

  test("a route's deferred observation travels with its record", () => {
    let count = 0;
    const deferred = { apply: () => count++ };
    const batch = new ResponseBatch({ apply: (r) => r.deferred?.apply(), schedule: manualTimer().schedule });
    batch.push(record(0, deferred));
    batch.push(record(1));
    assert.equal(count, 0);
    batch.drain();
    assert.equal(count, 1);
  });

  test('the default timer fires after its delay (timers of one duration fire in the order they were set)', async () => {
    const applied: string[] = [];
    const batch = new ResponseBatch({ apply: (r) => applied.push(r.reqId), delayMs: 1 });
    batch.push(record(7));
    await new Promise((r) => setTimeout(r, 1));
    assert.deepEqual(applied, ['r-7']);
  });
});
