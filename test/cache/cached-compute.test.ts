import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CachedCompute } from '../../src/cache/cached-compute.js';
import { TieredCache } from '../../src/cache/tiered-cache.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { CountingCacheEvents } from '../../src/cache/cache-events.js';
import type { DistributedLock, LockLease } from '../../src/cache/distributed-lock.js';
import { RagdError } from '../../src/errors/ragd-error.js';
import { FakeClock } from './fake-clock.js';
import { FailingStore } from './failing-store.js';

/** In-memory lock: enough to drive CachedCompute's lock branches without Redis. */
class FakeLock implements DistributedLock {
  held = new Set<string>();
  down = false;
  async tryAcquire(name: string): Promise<LockLease | undefined> {
    if (this.down) throw new Error('lock service down');
    if (this.held.has(name)) return undefined;
    this.held.add(name);
    return { release: async () => this.held.delete(name) };
  }
}

function setup(options: { random?: () => number; lock?: DistributedLock } = {}) {
  const clock = new FakeClock();
  const events = new CountingCacheEvents();
  const l2 = new FailingStore(new MemoryStore({ now: clock.now }));
  const cache = new TieredCache({
    tiers: [
      { name: 'memory', store: new MemoryStore({ now: clock.now }), ttlMs: 300_000 },
      { name: 'redis', store: l2 },
    ],
    events,
    now: clock.now,
  });
  const cached = new CachedCompute({ cache, random: options.random ?? (() => 0.999999), ttlMs: 10_000, maxStaleMs: 60_000, ...(options.lock ? { lock: options.lock } : {}) });
  return { clock, events, cache, cached, l2 };
}

describe('CachedCompute.getOrCompute', () => {
  test('500 concurrent identical calls on a cold cache cause exactly one computation', async () => {
    const { cached, events } = setup();
    let computations = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const compute = async () => {
      computations++;
      await gate;
      return { answer: 42 };
    };
    const calls = Array.from({ length: 500 }, () => cached.getOrCompute('k', compute, { tags: ['collection:t/c'] }));
    await new Promise((resolve) => setImmediate(resolve));
    open();
    const results = await Promise.all(calls);
    assert.equal(computations, 1);
    assert.ok(results.every((r) => r.status === 'miss' && (r.value as { answer: number }).answer === 42));
    const again = await cached.getOrCompute('k', compute);
    assert.deepEqual([again.status, again.tier, computations], ['hit', 'memory', 1]);
    assert.equal(events.misses.get('exact'), 1);
    assert.equal(events.hitCount('memory', 'exact'), 1);
  });

  test('a cold miss shares the compute error and the next call retries', async () => {
    const { cached } = setup();
    let computations = 0;
    const failing = async () => {
      computations++;
      throw new RagdError('RAGD_ERR_CIRCUIT_OPEN');
    };
    const results = await Promise.allSettled([cached.getOrCompute('k', failing), cached.getOrCompute('k', failing)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(computations, 1);
    assert.equal((await cached.getOrCompute('k', async () => 'ok')).status, 'miss');
  });

  test('serves the stale value, marked stale, when the recompute fails within the max-stale window', async () => {
    const { cached, clock, events } = setup();
    await cached.getOrCompute('k', async () => 'v1');
    clock.advance(10_000 + 30_000); // expired 30 s ago, window is 60 s
    const breakerOpen = async (): Promise<string> => {
      throw new RagdError('RAGD_ERR_CIRCUIT_OPEN');
    };
    const result = await cached.getOrCompute('k', breakerOpen);
    assert.deepEqual([result.value, result.status, result.tier], ['v1', 'stale', 'memory']);
    assert.equal(events.stales.get('exact'), 1);
    await assert.rejects(cached.getOrCompute('k', breakerOpen, { maxStaleMs: 1_000 }), { code: 'RAGD_ERR_CIRCUIT_OPEN' }, 'beyond the window the error surfaces');
  });

  test('an expired entry is recomputed when the compute succeeds', async () => {
    const { cached, clock } = setup();
    await cached.getOrCompute('k', async () => 'v1');
    clock.advance(10_000);
    const result = await cached.getOrCompute('k', async () => 'v2');
    assert.deepEqual([result.value, result.status], ['v2', 'miss']);
    assert.equal((await cached.getOrCompute('k', async () => 'v3')).value, 'v2');
  });

  test('XFetch: a hit near expiry with a small random triggers one background refresh', async () => {
    let r = 0.999999;
    const { cached, clock } = setup({ random: () => r });
    let computations = 0;
    const slow = async () => {
      computations++;
      clock.advance(2_000); // takes 2 s: delta = 2,000 ms
      return `v${computations}`;
    };
    await cached.getOrCompute('k', slow);
    clock.advance(7_000); // 1 s before expiry
    assert.equal((await cached.getOrCompute('k', slow)).value, 'v1');
    await cached.settled();
    assert.equal(computations, 1, 'random near 1: no early refresh');
    r = 0.1; // -ln(0.1) * 2,000 ms = 4.6 s of head start > 1 s left
    const hit = await cached.getOrCompute('k', slow);
    assert.deepEqual([hit.value, hit.status], ['v1', 'hit'], 'the caller is answered from cache at once');
    await cached.settled();
    assert.equal(computations, 2);
    r = 0.999999;
    assert.equal((await cached.getOrCompute('k', slow)).value, 'v2');
  });

  test('tryFresh: a fresh memory hit is counted and makes the computation only when XFetch refreshes early', async () => {
    let r = 0.999999;
    const { cached, clock, events } = setup({ random: () => r });
    let computations = 0;
    const slow = async () => {
      computations++;
      clock.advance(2_000); // delta = 2,000 ms
      return `v${computations}`;
    };
    let made = 0;
    const later = () => {
      made++;
      return { compute: slow, policy: {} };
    };
    assert.equal(cached.tryFresh('k', later), undefined, 'nothing cached yet');
    await cached.getOrCompute('k', slow);
    const hitsBefore = events.hitCount('memory', 'exact');
    const hit = cached.tryFresh('k', later);
    assert.deepEqual([hit?.value, hit?.status, hit?.tier], ['v1', 'hit', 'memory']);
    assert.equal(events.hitCount('memory', 'exact') - hitsBefore, 1, 'counted like a getOrCompute hit');
    assert.equal(made, 0, 'far from expiry: the computation is never made');
    clock.advance(7_000); // 1 s before expiry
    r = 0.1; // -ln(0.1) * 2,000 ms = 4.6 s of head start > 1 s left
    assert.equal(cached.tryFresh('k', later)?.value, 'v1', 'answered from cache at once');
    assert.equal(made, 1, 'made for the early refresh');
    await cached.settled();
    assert.equal(computations, 2);
    r = 0.999999;
    assert.equal(cached.tryFresh('k', later)?.value, 'v2');
    clock.advance(20_000);
    assert.equal(cached.tryFresh('k', later), undefined, 'an expired entry is not fresh');
  });

  test('a background refresh failure is reported and leaves the cached value', async () => {
    const errors: unknown[] = [];
    const clock = new FakeClock();
    const cache = new TieredCache({ tiers: [{ name: 'memory', store: new MemoryStore({ now: clock.now }) }], now: clock.now });
    const cached = new CachedCompute({ cache, random: () => 0.01, ttlMs: 10_000, onRefreshError: (e) => errors.push(e) });
    await cached.getOrCompute('k', async () => {
      clock.advance(1_000);
      return 'v1';
    });
    clock.advance(8_000);
    const hit = await cached.getOrCompute('k', async () => {
      throw new Error('provider down');
    });
    assert.equal(hit.value, 'v1');
    await cached.settled();
    assert.equal(errors.length, 1);
    assert.equal((await cached.getOrCompute('k', async () => 'v2')).value, 'v1');
  });

  test('when another replica holds the refresh lock, the stale value is served without computing', async () => {
    const lock = new FakeLock();
    const { cached, clock } = setup({ lock });
    await cached.getOrCompute('k', async () => 'v1');
    clock.advance(11_000);
    lock.held.add('refresh:k');
    let computations = 0;
    const result = await cached.getOrCompute('k', async () => `v${++computations}`);
    assert.deepEqual([result.value, result.status, computations], ['v1', 'stale', 0]);
    lock.held.clear();
    const fresh = await cached.getOrCompute('k', async () => `v${++computations + 1}`);
    assert.deepEqual([fresh.value, fresh.status], ['v2', 'miss']);
    assert.equal(lock.held.size, 0, 'the lease was released');
  });

  test('a lock service that is down does not block the refresh', async () => {
    const lock = new FakeLock();
    const { cached, clock, events } = setup({ lock });
    await cached.getOrCompute('k', async () => 'v1');
    clock.advance(11_000);
    lock.down = true;
    const result = await cached.getOrCompute('k', async () => 'v2');
    assert.deepEqual([result.value, result.status], ['v2', 'miss']);
    assert.equal(events.errors.get('lock'), 1);
  });

  test('a failing L2 never fails a request', async () => {
    const { cached, l2, events } = setup();
    l2.failing = true;
    const first = await cached.getOrCompute('k', async () => 'v');
    const second = await cached.getOrCompute('k', async () => 'other');
    assert.deepEqual([first.status, second.status, second.value], ['miss', 'hit', 'v']);
    assert.ok((events.errors.get('redis') ?? 0) >= 1);
  });
});
