/**
 * Redis outage under load: a TCP proxy sits between the cache's Redis client and the real Redis.
 * Cutting it mid-load must cost zero failed reads (served from L1/L3), with errors counted; after
 * restoring it, reads use Redis again.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { CachedCompute } from '../../src/cache/cached-compute.js';
import { TieredCache } from '../../src/cache/tiered-cache.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { RedisStore } from '../../src/cache/redis-store.js';
import { SqlStore } from '../../src/cache/sql-store.js';
import { CountingCacheEvents } from '../../src/cache/cache-events.js';
import { FakeClock } from './fake-clock.js';
import { TcpProxy } from './tcp-proxy.js';
import { REDIS_HOST, REDIS_PORT, connectRedis, deleteKeys, redisSkipReason, testPrefix } from './redis-test-support.js';

const skip = await redisSkipReason();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('Redis outage', { skip }, () => {
  test('cutting Redis mid-load fails no reads; restoring it brings Redis back', async (t) => {
    const proxy = new TcpProxy(REDIS_HOST, REDIS_PORT);
    await proxy.start();
    // Reconnect every 20 ms so the test notices the restore quickly; the other fast-fail options as shipped.
    const client: Redis = await connectRedis({ port: proxy.port, retryStrategy: () => 20 });
    const direct = await connectRedis();
    const prefix = testPrefix();
    const dir = await mkdtemp(join(tmpdir(), 'ragd-outage-'));
    cleanups.push(async () => {
      client.disconnect();
      await proxy.cut();
      await deleteKeys(direct, prefix);
      direct.disconnect();
      await rm(dir, { recursive: true, force: true });
    });

    const clock = new FakeClock(Date.now());
    const events = new CountingCacheEvents();
    const sql = new SqlStore({ path: join(dir, 'cache.db'), now: clock.now, sweepIntervalMs: 0 });
    const cache = new TieredCache({
      tiers: [
        { name: 'memory', store: new MemoryStore({ maxEntries: 20, now: clock.now }) },
        { name: 'redis', store: new RedisStore({ client, prefix, now: clock.now }) },
        { name: 'sql', store: sql },
      ],
      events,
      now: clock.now,
      tierCooldownMs: 1_000,
    });
    const cached = new CachedCompute({ cache, random: () => 0.999999 });
    let computations = 0;
    const compute = (key: string) => async () => {
      computations++;
      return { answer: key };
    };
    const keys = Array.from({ length: 200 }, (_, i) => `q${i}`);
    for (const key of keys) await cached.getOrCompute(key, compute(key));
    computations = 0;

    let done = 0;
    let failed = 0;
    let cutAt = -1;
    let redisHitsBeforeCut = 0;
    const statuses = new Map<string, number>();
    const worker = async (w: number) => {
      for (let i = w; i < 2_000; i += 10) {
        if (done === 600 && cutAt < 0) {
          cutAt = done;
          redisHitsBeforeCut = events.hitCount('redis', 'exact');
          await proxy.cut();
        }
        const key = keys[(i * 7) % keys.length]!;
        try {
          const r = await cached.getOrCompute(key, compute(key));
          assert.equal((r.value as { answer: string }).answer, key);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        } catch {
          failed++;
        }
        done++;
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, w) => worker(w)));

    assert.ok(cutAt >= 0, 'the proxy was cut mid-load');
    assert.equal(failed, 0, 'zero failed reads');
    assert.equal(computations, 0, 'every read was served from a cache tier');
    assert.deepEqual([...statuses.keys()], ['hit']);
    assert.ok(redisHitsBeforeCut > 0, 'Redis served reads before the cut');
    assert.equal(events.hitCount('redis', 'exact'), redisHitsBeforeCut, 'and none during the outage');
    assert.ok(events.hitCount('sql', 'exact') > 0, 'SQL served reads during the outage');
    assert.ok((events.errors.get('redis') ?? 0) >= 1, 'Redis errors were counted');

    await proxy.restore();
    if (client.status !== 'ready') await once(client, 'ready');
    clock.advance(1_000); // past the tier cooldown
    const redisHits = events.hitCount('redis', 'exact');
    for (const key of keys) await cached.getOrCompute(key, compute(key));
    assert.ok(events.hitCount('redis', 'exact') > redisHits, 'Redis is used again after the restore');
    assert.equal(computations, 0);
    t.diagnostic(`outage: cut after ${cutAt} reads; redis hits before cut ${redisHitsBeforeCut}, sql hits ${events.hitCount('sql', 'exact')}, redis errors ${events.errors.get('redis')}, failed ${failed}`);
  });
});
