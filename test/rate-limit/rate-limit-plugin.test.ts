import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ApiKeyVerifier } from '../../src/auth/api-key-verifier.js';
import { Authenticator } from '../../src/auth/authenticate.js';
import { RateLimiter } from '../../src/rate-limit/limiter.js';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-store.js';
import { rateLimitIdentity, registerRateLimit } from '../../src/rate-limit/rate-limit-plugin.js';
import type { RouteClass } from '../../src/rate-limit/route-class.js';
import { buildAuthApp } from '../auth/app-helper.js';
import { FlakyKeyStore } from '../auth/fake-key-store.js';

async function setup(enabled: boolean) {
  let t = 1_700_000_000_000;
  const store = await FlakyKeyStore.open(() => t);
  const limiter = new RateLimiter({ store: new MemoryRateLimitStore({ now: () => t }), now: () => t });
  const outcomes: string[] = [];
  const authenticator = new Authenticator({ enabled, apiKeys: new ApiKeyVerifier({ store, now: () => t }) });
  const { app } = await buildAuthApp({ authenticator }, (a: FastifyInstance) => {
    registerRateLimit(a, {
      limiter,
      limits: { query: { ratePerMinute: 3, burst: 3 }, search: { ratePerMinute: 2, burst: 2 } },
      onOutcome: (routeClass: RouteClass, outcome) => outcomes.push(`${routeClass}:${outcome}`),
    });
    a.get('/q', { config: { routeClass: 'query' } }, async (request) => ({ identity: rateLimitIdentity(request) }));
    a.get('/s', { config: { routeClass: 'search' } }, async () => ({}));
    a.get('/free', { config: { routeClass: 'query', rateLimit: false } }, async () => ({}));
  });
  return { app, store, outcomes, advance: (ms: number) => (t += ms) };
}

describe('rate limit plugin', () => {
  test('headers on every response; 429 RAGD_ERR_RATE_LIMITED with Retry-After once the class limit is used', async () => {
    const { app, store, outcomes, advance } = await setup(true);
    const { key, record } = await store.create({ name: 'k', tenant: 'acme', scopes: ['query'] });
    const h = { 'x-api-key': key };
    const first = await app.inject({ url: '/q', headers: h });
    assert.equal(first.statusCode, 200);
    assert.equal(first.json<{ identity: string }>().identity, `key:${record.id}`);
    assert.equal(first.headers['ratelimit-policy'], '"query";q=3;w=60');
    assert.equal(first.headers.ratelimit, '"query";r=2;t=20');
    await app.inject({ url: '/q', headers: h });
    await app.inject({ url: '/q', headers: h });
    const limited = await app.inject({ url: '/q', headers: h });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json<{ code: string }>().code, 'RAGD_ERR_RATE_LIMITED');
    assert.equal(limited.headers['retry-after'], '20');
    assert.equal(limited.headers.ratelimit, '"query";r=0;t=20');
    assert.deepEqual(outcomes, ['query:admitted', 'query:admitted', 'query:admitted', 'query:limited']);
    // Another class has its own budget; an exempt route is not limited.
    assert.equal((await app.inject({ url: '/s', headers: h })).statusCode, 200);
    assert.equal((await app.inject({ url: '/free', headers: h })).statusCode, 200);
    advance(20_000);
    assert.equal((await app.inject({ url: '/q', headers: h })).statusCode, 200);
    await app.close();
  });

  test('a key with its own rate limit uses it instead of the class default', async () => {
    const { app, store } = await setup(true);
    const { key } = await store.create({ name: 'k', tenant: 'acme', scopes: ['query'], rateLimitPerMinute: 1 });
    assert.equal((await app.inject({ url: '/q', headers: { 'x-api-key': key } })).statusCode, 200);
    assert.equal((await app.inject({ url: '/q', headers: { 'x-api-key': key } })).statusCode, 429);
    await app.close();
  });

  test('anonymous callers are limited per IP; public routes are never limited', async () => {
    const { app } = await setup(false);
    const from = (ip: string) => app.inject({ url: '/q', remoteAddress: ip });
    for (let i = 0; i < 3; i++) assert.equal((await from('10.0.0.1')).statusCode, 200);
    assert.equal((await from('10.0.0.1')).statusCode, 429);
    const other = await from('10.0.0.2');
    assert.equal(other.statusCode, 200);
    assert.equal(other.json<{ identity: string }>().identity, 'ip:10.0.0.2');
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({ url: '/health', remoteAddress: '10.0.0.1' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers.ratelimit, undefined);
    }
    await app.close();
  });
});

describe('rate limit plugin without a fallback', () => {
  for (const [name, consume] of [
    ['throws', () => { throw new Error('store down'); }],
    ['rejects', () => Promise.reject(new Error('store down'))],
  ] as const) {
    test(`a store that ${name} admits the request, without RateLimit headers`, async () => {
      // A `memory`-kind primary gets no fallback, so the failure reaches the plugin.
      const limiter = new RateLimiter({ store: { kind: 'memory', consume } });
      const authenticator = new Authenticator({ enabled: false });
      const { app, logs } = await buildAuthApp({ authenticator }, (a: FastifyInstance) => {
        registerRateLimit(a, { limiter });
        a.get('/q', { config: { routeClass: 'query' } }, async () => ({}));
      });
      const res = await app.inject({ url: '/q' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers.ratelimit, undefined);
      assert.ok(logs.some((l) => l.msg === 'rate limiter unavailable; request admitted'));
      await app.close();
    });
  }
});
