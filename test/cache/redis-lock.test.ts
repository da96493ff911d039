import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { RedisLock } from '../../src/cache/redis-lock.js';
import { RedisStore } from '../../src/cache/redis-store.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { TieredCache } from '../../src/cache/tiered-cache.js';
import { CachedCompute } from '../../src/cache/cached-compute.js';
import { FakeClock } from './fake-clock.js';
import { connectRedis, deleteKeys, redisSkipReason, testPrefix } from './redis-test-support.js';

const skip = await redisSkipReason();
const clients: Redis[] = [];
const prefixes: string[] = [];

async function client(): Promise<Redis> {
  const c = await connectRedis();
  clients.push(c);
  return c;
}

after(async () => {
  if (clients.length > 0) for (const prefix of prefixes) await deleteKeys(clients[0]!, prefix);
  for (const c of clients) c.disconnect();
});

describe('RedisLock', { skip }, () => {
  test('one holder at a time; release is compare-and-delete', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const redis = await client();
    const a = new RedisLock({ client: redis, prefix });
    const b = new RedisLock({ client: await client(), prefix });
    const leaseA = await a.tryAcquire('job', 10_000);
    assert.ok(leaseA);
    assert.equal(await b.tryAcquire('job', 10_000), undefined);
    const ttl = await redis.pttl(`${prefix}job`);
    assert.ok(ttl > 0 && ttl <= 10_000);
    // A's lease lapses (simulated) and B takes the lock: A's late release must not free B's lease.
    await redis.del(`${prefix}job`);
    const leaseB = await b.tryAcquire('job', 10_000);
    assert.ok(leaseB);
    assert.equal(await leaseA.release(), false);
    assert.equal(await a.tryAcquire('job', 10_000), undefined, 'B still holds it');
    assert.equal(await leaseB.release(), true);
    assert.ok(await a.tryAcquire('job', 10_000));
  });

  test('two cache instances on one Redis: only one recomputes an expired entry, the other serves stale', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const clock = new FakeClock(Date.now());
    const replica = async () => {
      const redis = await client();
      const cache = new TieredCache({
        tiers: [
          { name: 'memory', store: new MemoryStore({ now: clock.now }) },
          { name: 'redis', store: new RedisStore({ client: redis, prefix: `${prefix}cache:`, now: clock.now }) },
        ],
        now: clock.now,
      });
      return new CachedCompute({ cache, lock: new RedisLock({ client: redis, prefix: `${prefix}lock:` }), random: () => 0.999999, ttlMs: 1_000, maxStaleMs: 60_000 });
    };
    const a = await replica();
    const b = await replica();
    await a.getOrCompute('answer', async () => 'v1');
    clock.advance(5_000); // expired in both (B reads it from Redis)

    let computations = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const recompute = async () => {
      computations++;
      await gate;
      return 'v2';
    };
    const first = a.getOrCompute('answer', recompute);
    const second = b.getOrCompute('answer', recompute);
    // Whichever replica lost the lock answers stale without waiting for the gate.
    const loser = await Promise.race([first, second]);
    assert.deepEqual([loser.value, loser.status], ['v1', 'stale']);
    open();
    const results = await Promise.all([first, second]);
    assert.equal(computations, 1);
    assert.deepEqual(results.map((r) => r.status).sort(), ['miss', 'stale']);
    const later = await b.getOrCompute('answer', recompute);
    assert.deepEqual([later.value, later.status, computations], ['v2', 'hit', 1], 'the winner stored the new value for everyone');
  });
});
