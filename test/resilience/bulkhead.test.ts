import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RagdError } from '../../src/errors/ragd-error.js';
import { Bulkhead, type Release } from '../../src/resilience/bulkhead.js';
import { flush } from './fake-runtime.js';

const isFull = (e: unknown): boolean => e instanceof RagdError && e.code === 'RAGD_ERR_BULKHEAD_FULL';

describe('Bulkhead', () => {
  test('runs up to maxConcurrent at once and queues the rest in FIFO order', async () => {
    const bulkhead = new Bulkhead('generation', { maxConcurrent: 2, maxQueue: 3 });
    const a = await bulkhead.acquire();
    const b = await bulkhead.acquire();
    const order: string[] = [];
    const waiting = ['c', 'd', 'e'].map((id) => bulkhead.acquire().then((release) => (order.push(id), release)));
    assert.deepEqual(bulkhead.snapshot(), { name: 'generation', maxConcurrent: 2, maxQueue: 3, active: 2, queued: 3, rejections: 0 });
    a();
    b();
    await flush();
    assert.deepEqual(order, ['c', 'd']);
    assert.equal(bulkhead.snapshot().active, 2);
    (await waiting[0]!)();
    await flush();
    assert.deepEqual(order, ['c', 'd', 'e']);
  });

  test('fails fast with RAGD_ERR_BULKHEAD_FULL when slots and queue are full', async () => {
    let rejected = 0;
    const bulkhead = new Bulkhead('redis', { maxConcurrent: 1, maxQueue: 1 }, () => rejected++);
    await bulkhead.acquire();
    void bulkhead.acquire();
    await assert.rejects(bulkhead.acquire(), (e: unknown) => isFull(e) && (e as RagdError).retryAfterSeconds === 1 && (e as RagdError).details?.dependency === 'redis');
    assert.equal(rejected, 1);
    assert.equal(bulkhead.snapshot().rejections, 1);
  });

  test('a queued call whose signal aborts leaves the queue at once', async () => {
    const bulkhead = new Bulkhead('embedding', { maxConcurrent: 1, maxQueue: 1 });
    const release = await bulkhead.acquire();
    const controller = new AbortController();
    const queued = bulkhead.acquire(controller.signal);
    assert.equal(bulkhead.snapshot().queued, 1);
    controller.abort();
    await assert.rejects(queued, (e: unknown) => e instanceof RagdError && e.code === 'RAGD_ERR_CLIENT_CLOSED');
    assert.equal(bulkhead.snapshot().queued, 0);
    const next = bulkhead.acquire(); // the freed place can be taken
    release();
    (await next)();
    assert.deepEqual([bulkhead.snapshot().active, bulkhead.snapshot().queued], [0, 0]);
  });

  test('an already-aborted signal is refused before queueing; release is idempotent', async () => {
    const bulkhead = new Bulkhead('database', { maxConcurrent: 1, maxQueue: 0 });
    await assert.rejects(bulkhead.acquire(AbortSignal.abort(new RagdError('RAGD_ERR_TIMEOUT'))), (e: unknown) => (e as RagdError).code === 'RAGD_ERR_TIMEOUT');
    const release = await bulkhead.acquire();
    release();
    release();
    assert.equal(bulkhead.snapshot().active, 0);
  });

  test('run releases the slot when the function throws', async () => {
    const bulkhead = new Bulkhead('database', { maxConcurrent: 1, maxQueue: 0 });
    await assert.rejects(bulkhead.run(async () => Promise.reject(new Error('x'))));
    assert.equal(await bulkhead.run(async () => 7), 7);
  });

  test('never exceeds its limits under any interleaving (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.oneof(fc.constant('acquire' as const), fc.constant('release' as const), fc.constant('abort' as const)), { maxLength: 60 }),
        async (maxConcurrent, maxQueue, ops) => {
          const bulkhead = new Bulkhead('p', { maxConcurrent, maxQueue });
          const held: Release[] = [];
          const controllers: AbortController[] = [];
          let granted = 0;
          let released = 0;
          for (const op of ops) {
            if (op === 'acquire') {
              const c = new AbortController();
              controllers.push(c);
              bulkhead.acquire(c.signal).then(
                (r) => {
                  granted += 1;
                  held.push(r);
                },
                () => undefined,
              );
            } else if (op === 'release') {
              const r = held.shift();
              if (r !== undefined) {
                r();
                released += 1;
              }
            } else {
              controllers.shift()?.abort();
            }
            await flush();
            const s = bulkhead.snapshot();
            assert.ok(s.active <= maxConcurrent && s.queued <= maxQueue);
            assert.equal(s.active, granted - released);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test('rejects invalid limits with RAGD_ERR_CONFIG', () => {
    assert.throws(() => new Bulkhead('x', { maxConcurrent: 0, maxQueue: 1 }), /maxConcurrent/);
    assert.throws(() => new Bulkhead('x', { maxConcurrent: 1, maxQueue: -1 }), /maxQueue/);
  });
});
