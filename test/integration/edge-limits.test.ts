/**
 * Rate limits and the token budget end to end over real HTTP: 429 problem+json with Retry-After and
 * the IETF RateLimit headers once a class's limit is used, separate budgets per route class and per
 * credential, a key's own limit, public routes never limited; two servers sharing one real Redis
 * admit no more than the limit in total; the /query token budget (remote generator) refuses with
 * 429 once spent, for JSON and streamed answers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { SERVICE_TOKEN, assertProblem, bearer, service } from '../support/edge-helpers.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { call, startTestServer, type TestServer } from '../support/test-server.js';
import { REDIS_URL, deletePrefix, probeRedis, skipWithoutRedis } from '../rate-limit/redis-helper.js';

const DOC = { id: 'paris', title: 'France', text: 'Paris is the capital of France. The Seine flows through Paris.' };

describe('request rate limits (memory store)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ RAGD_SERVICE_TOKEN: SERVICE_TOKEN, RAGD_RATE_LIMIT: 'on', RAGD_RATE_LIMIT_PER_MINUTE: '3' });
    const res = await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: [DOC] }, service('acme'));
    assert.equal(res.status, 201, res.text);
  });
  after(async () => {
    await srv.stop();
  });

  test('the 4th search in a minute is 429 problem+json with Retry-After and RateLimit headers', async () => {
    const h = service('limits-a');
    for (let i = 0; i < 3; i++) {
      const ok = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Paris' }, h);
      assert.ok(ok.status === 404 || ok.status === 200, ok.text);
      assert.equal(ok.headers.get('ratelimit-policy'), '"search";q=3;w=60');
      assert.match(ok.headers.get('ratelimit') ?? '', new RegExp(`^"search";r=${2 - i};t=\\d+$`));
    }
    const limited = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Paris' }, h);
    assertProblem(limited, 429, 'RAGD_ERR_RATE_LIMITED');
    assert.equal(limited.body.retryable, true);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 20, String(retryAfter));
    assert.equal(limited.headers.get('ratelimit'), `"search";r=0;t=${retryAfter}`);
    // Other classes and other callers have their own budgets; health is never limited.
    assert.equal((await call(srv.url, 'GET', '/api/v1/rag/collections', undefined, h)).status, 200);
    assert.equal((await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Paris' }, service('limits-b'))).status, 404);
    for (let i = 0; i < 5; i++) assert.equal((await call(srv.url, 'GET', '/health/live')).status, 200);
  });

  test("an API key's own rate limit replaces the default", async () => {
    const created = await call(
      srv.url,
      'POST',
      '/api/v1/admin/keys',
      { tenant: 'acme', scopes: ['query'], rateLimitPerMinute: 1 },
      service('acme'),
    );
    assert.equal(created.status, 201, created.text);
    const h = bearer(String(created.body.key));
    const first = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Paris' }, h);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('ratelimit-policy'), '"search";q=1;w=60');
    assertProblem(await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Paris' }, h), 429, 'RAGD_ERR_RATE_LIMITED');
  });
});

describe('request rate limits shared through Redis', () => {
  let redisUp = false;
  before(async () => {
    redisUp = await probeRedis();
  });

  test('two servers sharing one Redis admit no more than the limit in total', async (t) => {
    if (skipWithoutRedis(t, redisUp)) return;
    const tenant = `t-${randomUUID()}`;
    const env = { RAGD_SERVICE_TOKEN: SERVICE_TOKEN, RAGD_RATE_LIMIT: 'on', RAGD_RATE_LIMIT_PER_MINUTE: '5', RAGD_REDIS_URL: REDIS_URL };
    const a = await startTestServer(env);
    const b = await startTestServer(env);
    const client = new Redis(REDIS_URL);
    try {
      const h = service(tenant);
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => call((i % 2 ? a : b).url, 'GET', '/api/v1/rag/collections', undefined, h)),
      );
      const admitted = results.filter((r) => r.status === 200).length;
      const limited = results.filter((r) => r.status === 429).length;
      assert.equal(admitted + limited, 16);
      assert.ok(admitted <= 5, `admitted ${admitted} > 5`);
      assert.ok(admitted >= 4, `admitted only ${admitted}`); // at most one unit refilled meanwhile is the only slack
      assert.ok(results.filter((r) => r.status === 200).every((r) => r.headers.get('ratelimit-policy') === '"other";q=5;w=60'));
      for (const s of [a, b]) assert.ok(!s.logs.some((l) => /rate-limit store failing/.test(String(l.msg))), 'no fallback to memory');
    } finally {
      await deletePrefix(client, `ragd:rl:other:service:${tenant}`);
      client.disconnect();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('Redis unreachable', () => {
  test('the server starts, limits hold per process, and the fallback is counted and logged', async () => {
    const srv = await startTestServer({
      RAGD_SERVICE_TOKEN: SERVICE_TOKEN,
      RAGD_RATE_LIMIT: 'on',
      RAGD_RATE_LIMIT_PER_MINUTE: '2',
      RAGD_REDIS_URL: 'redis://:hunter2@127.0.0.1:1',
    });
    try {
      const h = service('fallback');
      assert.equal((await call(srv.url, 'GET', '/api/v1/rag/collections', undefined, h)).status, 200);
      assert.equal((await call(srv.url, 'GET', '/api/v1/rag/collections', undefined, h)).status, 200);
      assertProblem(await call(srv.url, 'GET', '/api/v1/rag/collections', undefined, h), 429, 'RAGD_ERR_RATE_LIMITED');
      const metrics = await call(srv.url, 'GET', '/metrics');
      assert.match(metrics.text, /^rate_limit_fallback_total [1-9]/m);
      assert.match(metrics.text, /^rate_limit_requests_total\{route_class="other",outcome="limited"\} 1$/m);
      assert.ok(srv.logs.some((l) => /Redis unreachable/.test(String(l.msg))));
      assert.ok(!JSON.stringify(srv.logs).includes('hunter2'), 'the Redis password is never logged');
    } finally {
      await srv.stop();
    }
  });
});

describe('token budget on /query', () => {
  let upstream: FakeOpenAI;
  let srv: TestServer;
  before(async () => {
    upstream = await startFakeOpenAI();
    srv = await startTestServer({
      RAGD_SERVICE_TOKEN: SERVICE_TOKEN,
      RAGD_GENERATOR: 'openai',
      RAGD_OPENAI_BASE_URL: upstream.url,
      RAGD_OPENAI_API_KEY: 'sk-test',
      RAGD_TOKEN_BUDGET_PER_MINUTE: '1000',
    });
    assert.equal((await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: [DOC] }, service('acme'))).status, 201);
  });
  after(async () => {
    await srv.stop();
    await upstream.close();
  });

  test('the worst case is reserved, the actual use settled: the next reservation does not fit', async () => {
    const h = service('acme');
    const first = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'What is the capital of France?' }, h);
    assert.equal(first.status, 200, first.text);
    // The first answer really used a few hundred tokens; a new worst-case reservation (capped at the
    // 1000-token burst) needs the whole budget back, which takes most of a minute.
    const second = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'Which river flows through Paris?' }, h);
    assertProblem(second, 429, 'RAGD_ERR_RATE_LIMITED');
    assert.equal(second.body.limit, 'tokens');
    assert.ok(Number(second.headers.get('retry-after')) >= 1);
    const streamed = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'Which river flows through Paris?', stream: true }, h);
    assertProblem(streamed, 429, 'RAGD_ERR_RATE_LIMITED');
    // A cached answer costs no model tokens, so it is served even with the budget spent.
    const cached = await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'What is the capital of France?' }, h);
    assert.equal(cached.status, 200, cached.text);
    assert.notEqual(cached.body.cache, 'miss');
    // Another caller has its own budget; search is not metered.
    assert.equal((await call(srv.url, 'POST', '/api/v1/rag/query', { query: 'capital?', stream: true }, service('other'))).status, 404);
    assert.equal((await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Paris' }, h)).status, 200);
    assert.equal(upstream.stats().requests['/v1/chat/completions'], 1);
  });
});
