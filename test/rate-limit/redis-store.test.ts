import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { gcraStep, intervalFor, type GcraParams } from '../../src/rate-limit/gcra.js';
import { RateLimiter } from '../../src/rate-limit/limiter.js';
import { createRateLimitRedisClient } from '../../src/rate-limit/redis-client.js';
import { RedisRateLimitStore } from '../../src/rate-limit/redis-store.js';
import { closedPort } from '../auth/jwks-server.js';
import { deletePrefix, probeRedis, REDIS_URL, skipWithoutRedis, uniquePrefix } from './redis-helper.js';
import { startTcpProxy } from './tcp-proxy.js';

const WORKER = fileURLToPath(new URL('./redis-worker.ts', import.meta.url));

describe('RedisRateLimitStore (real Redis)', () => {
  let available = false;
  let client: Redis | undefined;
  const prefixes: string[] = [];
  const prefix = () => {
    const p = uniquePrefix();
    prefixes.push(p);
    return p;
  };

  before(async () => {
    available = await probeRedis();
    if (available) {
      // Generous timeout: these tests check exactness, and a timed-out command would fall back.
      client = createRateLimitRedisClient(REDIS_URL, { commandTimeoutMs: 5_000 });
      await new Promise<void>((resolve) => client!.once('ready', () => resolve()));
    }
  });
  after(async () => {
    if (client) {
      for (const p of prefixes) await deletePrefix(client, p);
      client.disconnect();
    }
  });

  test('300 concurrent checks at 100/min burst 100 admit exactly 100', async (t) => {
    if (skipWithoutRedis(t, available)) return;
    let fallbacks = 0;
    const limiter = new RateLimiter({ store: new RedisRateLimitStore({ client: client!, prefix: prefix() }), onFallback: () => fallbacks++ });
    const results = await Promise.all(Array.from({ length: 300 }, () => limiter.check('k', { ratePerMinute: 100, burst: 100 })));
    assert.equal(fallbacks, 0);
    assert.equal(results.filter((r) => r.allowed).length, 100);
    assert.ok(results.filter((r) => !r.allowed).every((r) => r.remaining === 0 && r.retryAfterSeconds >= 1));
  });

  test('the Lua script makes the same decisions as gcraStep', async (t) => {
    if (skipWithoutRedis(t, available)) return;
    const store = new RedisRateLimitStore({ client: client!, prefix: prefix() });
    // 1/min: a unit takes 60 s to replenish, so the µs that pass between calls change no decision.
    const T = intervalFor(1);
    const steps: Omit<GcraParams, 'intervalUs'>[] = [
      { burst: 5, cost: 1 },
      { burst: 5, cost: 3 },
      { burst: 5, cost: 2 },
      { burst: 5, cost: 1 },
      { burst: 5, cost: -2 },
      { burst: 5, cost: 2 },
      { burst: 5, cost: 4, force: true },
      { burst: 5, cost: 1 },
      { burst: 5, cost: -50 },
      { burst: 5, cost: 5 },
    ];
    let tat: number | undefined;
    for (const s of steps) {
      const expected = gcraStep(tat, 0, { intervalUs: T, ...s });
      tat = expected.tatUs;
      const got = await store.consume('k', { intervalUs: T, ...s });
      assert.deepEqual([got.allowed, got.remaining], [expected.allowed, expected.remaining], JSON.stringify(s));
    }
  });

  test('keys carry the prefix and expire once replenished', async (t) => {
    if (skipWithoutRedis(t, available)) return;
    const p = prefix();
    const store = new RedisRateLimitStore({ client: client!, prefix: p });
    await store.consume('k', { intervalUs: intervalFor(60), burst: 10, cost: 1 });
    const ttl = await client!.pttl(`${p}k`);
    assert.ok(ttl > 0 && ttl <= 1_001 + 1, `pttl ${ttl}`);
    await store.consume('k', { intervalUs: intervalFor(60), burst: 10, cost: -5 });
    assert.equal(await client!.exists(`${p}k`), 0);
  });

  test('two processes sharing one Redis admit no more than the limit in total', async (t) => {
    if (skipWithoutRedis(t, available)) return;
    const p = prefix();
    // 1/min with burst 100: nothing replenishes during the test, so exactly 100 may pass in total.
    const workers = [0, 1].map(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, REDIS_URL, p, 'shared', '150', '1', '100'], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines = createInterface({ input: child.stdout });
      const next = () => new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      });
      return { child, next };
    });
    await Promise.all(workers.map((w) => w.next().then((l) => assert.equal(l, 'ready'))));
    const outputs = workers.map((w) => w.next());
    for (const w of workers) w.child.stdin.write('go\n');
    const results = (await Promise.all(outputs)).map((l) => JSON.parse(l) as { admitted: number; fallbacks: number });
    for (const w of workers) w.child.stdin.end();
    assert.ok(results.every((r) => r.fallbacks === 0), JSON.stringify(results));
    assert.equal(results[0]!.admitted + results[1]!.admitted, 100, JSON.stringify(results));
  });

  test('cutting the connection falls back locally (counted, logged once); restoring it recovers', async (t) => {
    if (skipWithoutRedis(t, available)) return;
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    const viaProxy = createRateLimitRedisClient(`redis://127.0.0.1:${proxy.port}`, { commandTimeoutMs: 2_000 });
    viaProxy.on('error', () => {});
    try {
      await new Promise<void>((resolve) => viaProxy.once('ready', () => resolve()));
      let clock = 1_700_000_000_000;
      let fallbacks = 0;
      const events: string[] = [];
      const limiter = new RateLimiter({
        store: new RedisRateLimitStore({ client: viaProxy, prefix: prefix() }),
        now: () => clock,
        onFallback: () => fallbacks++,
        onOutage: () => events.push('outage'),
        onRecover: () => events.push('recover'),
      });
      const rule = { ratePerMinute: 100, burst: 100 };
      assert.equal((await limiter.check('k', rule)).fallback, false);
      const closed = new Promise<void>((resolve) => viaProxy.once('close', () => resolve()));
      await proxy.cut();
      await closed;
      const during = await Promise.all(Array.from({ length: 10 }, () => limiter.check('k', rule)));
      assert.ok(during.every((r) => r.allowed && r.fallback));
      assert.equal(fallbacks, 10);
      assert.deepEqual(events, ['outage']);
      await proxy.restore();
      await new Promise<void>((resolve) => viaProxy.once('ready', () => resolve()));
      clock += 1_000;
      assert.equal((await limiter.check('k', rule)).fallback, false);
      assert.deepEqual(events, ['outage', 'recover']);
    } finally {
      viaProxy.disconnect();
      await proxy.close();
    }
  });
});

describe('Redis unreachable (no Redis needed)', () => {
  test('a closed port: checks fail fast to the local limiter, which admits, limits and counts', async () => {
    const port = await closedPort();
    const dead = createRateLimitRedisClient(`redis://127.0.0.1:${port}`);
    dead.on('error', () => {});
    let fallbacks = 0;
    let outages = 0;
    const limiter = new RateLimiter({ store: new RedisRateLimitStore({ client: dead }), onFallback: () => fallbacks++, onOutage: () => outages++ });
    try {
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await limiter.check('k', { ratePerMinute: 60, burst: 3 }));
      assert.deepEqual(results.map((r) => r.allowed), [true, true, true, false, false]);
      assert.ok(results.every((r) => r.fallback));
      assert.equal(fallbacks, 5);
      assert.equal(outages, 1);
    } finally {
      dead.disconnect();
    }
  });
});
