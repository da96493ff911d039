/**
 * The edge's pieces without HTTP: the auth/limit settings and their validation, how createEdge turns
 * them into an Authenticator and limiter (RAGD_AUTH=auto, secrets from files, the token budget only
 * for remote generators), the default route policy, CLI expiry parsing, and the /query token
 * budget's reserve and settle amounts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { SqliteKeyStore } from '../../src/auth/sqlite-key-store.js';
import { parseDurationMs, parseExpiry } from '../../src/cli/duration.js';
import { loadConfig } from '../../src/config/load.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { QueryEvent } from '../../src/rag/query-service.js';
import { RateLimiter } from '../../src/rate-limit/limiter.js';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-store.js';
import { TokenBudget } from '../../src/rate-limit/token-budget.js';
import type { Runtime } from '../../src/runtime.js';
import { CHARS_PER_TOKEN, PROMPT_OVERHEAD_TOKENS, reserveAnswerTokens } from '../../src/server/answer-budget.js';
import { createEdge, keyStorePath } from '../../src/server/edge.js';
import { defaultRouteConfig } from '../../src/server/route-policy.js';

const TOKEN = 't'.repeat(40);
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ragd-edge-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('settings', () => {
  test('defaults: auth auto, rate limits on at 100/min, no budget, compression on, no CORS', () => {
    const c = loadConfig({});
    assert.equal(c.auth.mode, 'auto');
    assert.deepEqual(c.rateLimit, { enabled: true, perMinute: 100, burst: undefined, tokenBudgetPerMinute: 0 });
    assert.equal(c.compression, true);
    assert.deepEqual(c.cors.origins, []);
    assert.equal(c.redis.url, undefined);
    assert.equal(c.auth.jwt.tenantClaim, 'tenant');
    assert.equal(c.auth.jwt.scopeClaim, 'scope');
  });

  test('lists are parsed; bad values name the setting and never print a secret', () => {
    const c = loadConfig({ RAGD_CORS_ORIGINS: 'https://a.example, http://localhost:3000', RAGD_JWT_AUDIENCE: 'ragd, api' });
    assert.deepEqual(c.cors.origins, ['https://a.example', 'http://localhost:3000']);
    assert.deepEqual(c.auth.jwt.audience, ['ragd', 'api']);
    assert.throws(
      () => loadConfig({ RAGD_SERVICE_TOKEN: 'short-secret' }),
      (err: Error) => /RAGD_SERVICE_TOKEN=\(hidden\): must be at least 32 bytes/.test(err.message) && !err.message.includes('short-secret'),
    );
    assert.throws(() => loadConfig({ RAGD_CORS_ORIGINS: 'https://a.example/path' }), /RAGD_CORS_ORIGINS/);
    assert.throws(() => loadConfig({ RAGD_REDIS_URL: 'http://x' }), /RAGD_REDIS_URL=\(hidden\)/);
    assert.throws(() => loadConfig({ RAGD_AUTH: 'maybe' }), /RAGD_AUTH="maybe".*one of auto, on, off/);
    assert.throws(
      () => loadConfig({ RAGD_SERVICE_TOKEN: TOKEN, RAGD_SERVICE_TOKEN_FILE: '/x' }),
      /RAGD_SERVICE_TOKEN and RAGD_SERVICE_TOKEN_FILE: set one/,
    );
    assert.throws(
      () => loadConfig({ RAGD_JWT_JWKS_URL: 'https://idp.example/jwks.json' }),
      /RAGD_JWT_JWKS_URL: needs RAGD_JWT_ISSUER and RAGD_JWT_AUDIENCE/,
    );
  });
});

describe('createEdge', () => {
  const deps = () => ({ log: pino({ level: 'silent' }), metrics: createMetrics({ version: 'test' }) });

  test('RAGD_AUTH=auto: off with no credential, on once an API key exists in the data dir', async () => {
    const dir = tempDir();
    const open = await createEdge(loadConfig({ RAGD_DATA_DIR: dir }), deps());
    assert.equal(open.credentialsConfigured, false);
    assert.equal(open.authEnabled, false);
    await open.keyStore.create({ name: 'k', tenant: 'acme', scopes: ['query'] });
    await open.close();
    const locked = await createEdge(loadConfig({ RAGD_DATA_DIR: dir }), deps());
    assert.equal(locked.authEnabled, true);
    await locked.close();
    const off = await createEdge(loadConfig({ RAGD_DATA_DIR: dir, RAGD_AUTH: 'off' }), deps());
    assert.equal(off.authEnabled, false);
    await off.close();
  });

  test('secrets from *_FILE; a short one in a file is a startup error naming the setting', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    writeFileSync(join(dir, 'short'), 'abc\n');
    const edge = await createEdge(loadConfig({ RAGD_DATA_DIR: dir, RAGD_SERVICE_TOKEN_FILE: join(dir, 'token') }), deps());
    assert.equal(edge.authEnabled, true);
    const principal = await edge.authenticator.authenticate({ 'x-service-token': TOKEN, 'x-tenant': 'acme' });
    assert.equal(principal.tenant, 'acme');
    await edge.close();
    await assert.rejects(
      createEdge(loadConfig({ RAGD_DATA_DIR: dir, RAGD_METRICS_TOKEN_FILE: join(dir, 'short') }), deps()),
      /RAGD_METRICS_TOKEN is 3 bytes/,
    );
    await assert.rejects(
      createEdge(loadConfig({ RAGD_DATA_DIR: dir, RAGD_JWT_SECRET_FILE: join(dir, 'missing') }), deps()),
      /RAGD_JWT_SECRET_FILE could not be read/,
    );
  });

  test('the token budget exists only for a remote generator with a budget; RAGD_RATE_LIMIT=off drops request limits', async () => {
    const dir = tempDir();
    const extractive = await createEdge(loadConfig({ RAGD_DATA_DIR: dir, RAGD_TOKEN_BUDGET_PER_MINUTE: '1000' }), deps());
    assert.equal(extractive.tokenBudget, undefined);
    assert.ok(extractive.rateLimit);
    await extractive.close();
    const remote = await createEdge(
      loadConfig({ RAGD_DATA_DIR: dir, RAGD_GENERATOR: 'ollama', RAGD_TOKEN_BUDGET_PER_MINUTE: '1000', RAGD_RATE_LIMIT: 'off' }),
      deps(),
    );
    assert.ok(remote.tokenBudget);
    assert.equal(remote.rateLimit, undefined);
    assert.equal(remote.limiterStore, 'memory');
    await remote.close();
  });

  test('the key store is the data directory database', async () => {
    const dir = tempDir();
    const store = new SqliteKeyStore({ path: keyStorePath(dir) });
    await store.open();
    assert.equal(store.path, join(dir, 'ragd.db'));
    await store.close();
  });
});

describe('route policy', () => {
  test('defaults by path', () => {
    assert.deepEqual(defaultRouteConfig('GET', '/health/live'), { public: true });
    assert.deepEqual(defaultRouteConfig('GET', '/docs/static/*'), { public: true });
    assert.deepEqual(defaultRouteConfig('GET', '/openapi.json'), { public: true });
    assert.deepEqual(defaultRouteConfig('GET', '/dashboard'), { public: true });
    assert.deepEqual(defaultRouteConfig('OPTIONS', '*'), { public: true });
    assert.deepEqual(defaultRouteConfig('GET', '/metrics'), { metricsToken: true, rateLimit: false });
    assert.deepEqual(defaultRouteConfig('GET', '/metrics/slo'), { metricsToken: true, rateLimit: false });
    assert.deepEqual(defaultRouteConfig('PUT', '/api/v1/admin/faults/:name'), { scope: 'admin', routeClass: 'admin' });
    assert.deepEqual(defaultRouteConfig('GET', '/api/v1/rag/collections'), {});
    assert.deepEqual(defaultRouteConfig('GET', '/metricsx'), {});
    assert.deepEqual(defaultRouteConfig('GET', '/healthz'), {});
  });
});

describe('CLI expiry', () => {
  test('spans and dates', () => {
    assert.equal(parseDurationMs('30d'), 30 * 86_400_000);
    assert.equal(parseDurationMs('12h'), 12 * 3_600_000);
    assert.equal(parseDurationMs('2w'), 14 * 86_400_000);
    assert.equal(parseDurationMs('0d'), undefined);
    assert.equal(parseDurationMs('30 days'), undefined);
    assert.equal(parseExpiry('1h', 1000), 1000 + 3_600_000);
    assert.equal(parseExpiry('2027-01-31T00:00:00Z'), Date.parse('2027-01-31T00:00:00Z'));
    assert.equal(parseExpiry('tomorrow'), undefined);
  });
});

describe('token budget of /query', () => {
  /** A budget whose settle differences are recorded. */
  function setup(tokensPerMinute = 10_000) {
    let now = 1_700_000_000_000;
    const limiter = new RateLimiter({ store: new MemoryRateLimitStore({ now: () => now }), now: () => now });
    const adjustments: number[] = [];
    class SpyBudget extends TokenBudget {
      override async adjust(key: string, delta: number): Promise<void> {
        adjustments.push(delta);
        return super.adjust(key, delta);
      }
    }
    const budget = new SpyBudget({ limiter, tokensPerMinute });
    const request = {
      ip: '127.0.0.1',
      principal: { kind: 'api_key', id: 'k1', tenant: 'acme', scopes: ['query'] },
      server: { edge: { tokenBudget: budget } },
    } as unknown as FastifyRequest;
    const rt = { config: { chunking: { size: 1000 }, generator: { maxTokens: 512 } } } as unknown as Runtime;
    return { rt, request, adjustments, advance: (ms: number) => (now += ms) };
  }
  const query = 'What is the capital?'; // 20 characters
  const worst = PROMPT_OVERHEAD_TOKENS + Math.ceil((query.length + 2 * 1000) / CHARS_PER_TOKEN) + 512;

  test('JSON: reserves the worst case, settles to the estimate of what was used', async () => {
    const { rt, request, adjustments } = setup();
    const budget = await reserveAnswerTokens(rt, request, query, 2);
    const answer = 'Paris.'.repeat(8); // 48 chars = 12 tokens
    await budget.settle(Promise.resolve({ answer, citations: [{ text: 'x'.repeat(400) }], reasons: [] }));
    const used = PROMPT_OVERHEAD_TOKENS + Math.ceil((query.length + 400) / CHARS_PER_TOKEN) + 12;
    assert.deepEqual(adjustments, [used - worst]);
  });

  test('a failed answer or an extractive fallback owes no generated tokens', async () => {
    const { rt, request, adjustments } = setup();
    const failing = await reserveAnswerTokens(rt, request, query, 2);
    await assert.rejects(failing.settle(Promise.reject(new Error('boom'))), /boom/);
    const fallback = await reserveAnswerTokens(rt, request, query, 2);
    await fallback.settle(
      Promise.resolve({ answer: 'long extractive answer '.repeat(10), citations: [], reasons: ['generation_unavailable'] }),
    );
    assert.deepEqual(adjustments, [-worst, PROMPT_OVERHEAD_TOKENS + Math.ceil(query.length / CHARS_PER_TOKEN) - worst]);
  });

  test('streams settle when they end, also when the consumer stops early', async () => {
    const { rt, request, adjustments } = setup();
    async function* events(): AsyncGenerator<QueryEvent> {
      yield { type: 'delta', text: 'abcd'.repeat(5) };
      yield { type: 'delta', text: 'abcd'.repeat(5) };
      yield { type: 'citations', citations: [{ index: 1, documentId: 'd', chunkId: 'c', title: 't', text: 'y'.repeat(80), score: 1 }] };
    }
    const b1 = await reserveAnswerTokens(rt, request, query, 2);
    for await (const _ of b1.track(events())) void _;
    assert.equal(adjustments.at(-1), PROMPT_OVERHEAD_TOKENS + Math.ceil((query.length + 80) / CHARS_PER_TOKEN) + 10 - worst);
    const b2 = await reserveAnswerTokens(rt, request, query, 2);
    const it = b2.track(events());
    await it.next();
    await it.return(undefined);
    assert.equal(adjustments.at(-1), PROMPT_OVERHEAD_TOKENS + Math.ceil(query.length / CHARS_PER_TOKEN) + 5 - worst);
  });

  test('a reservation the budget cannot cover is RAGD_ERR_RATE_LIMITED with Retry-After', async () => {
    const { rt, request, advance } = setup(1000);
    const b = await reserveAnswerTokens(rt, request, query, 2);
    await assert.rejects(reserveAnswerTokens(rt, request, query, 2), (err: Error & { code?: string; retryAfterSeconds?: number }) => {
      assert.equal(err.code, 'RAGD_ERR_RATE_LIMITED');
      assert.ok((err.retryAfterSeconds ?? 0) >= 1);
      return true;
    });
    await b.settle(Promise.resolve({ answer: '', citations: [] }));
    advance(60_000);
    await reserveAnswerTokens(rt, request, query, 2);
  });
});
