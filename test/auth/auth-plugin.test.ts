import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, base64url } from 'jose';
import type { FastifyInstance } from 'fastify';
import { ApiKeyVerifier } from '../../src/auth/api-key-verifier.js';
import { Authenticator } from '../../src/auth/authenticate.js';
import { JwtVerifier } from '../../src/auth/jwt.js';
import { ServiceTokenVerifier } from '../../src/auth/service-token.js';
import { allLogText, buildAuthApp } from './app-helper.js';
import { FlakyKeyStore } from './fake-key-store.js';
import { startJwksServer, type JwksServer } from './jwks-server.js';

const NOW = 1_700_000_000_000;
const nowS = NOW / 1000;
const HS_SECRET = new TextEncoder().encode('hs256-secret-for-the-plugin-tests-0123456789');
const SERVICE = 'service-token-of-at-least-32-bytes-xxxxxxxx';
const METRICS = 'metrics-token-of-at-least-32-bytes-yyyyyyyy';
const ISS = 'https://idp.test/';
const AUD = 'ragd';

interface Problem {
  status: number;
  code: string;
}

describe('auth plugin', () => {
  let app: FastifyInstance;
  let logs: Record<string, unknown>[];
  let store: FlakyKeyStore;
  let verifier: ApiKeyVerifier;
  let jwks: JwksServer;
  let keys: { query: string; admin: string; expired: string; revoked: string; revokedId: string };
  const secrets: string[] = [SERVICE, METRICS];
  let clock = NOW;

  before(async () => {
    store = await FlakyKeyStore.open(() => clock);
    verifier = new ApiKeyVerifier({ store, now: () => clock });
    jwks = await startJwksServer();
    const query = await store.create({ name: 'reader', tenant: 'acme', scopes: ['query'] });
    const admin = await store.create({ name: 'root', tenant: 'ops', scopes: ['admin'] });
    const expired = await store.create({ name: 'old', tenant: 'acme', scopes: ['query'], expiresAt: NOW + 1 });
    const revoked = await store.create({ name: 'gone', tenant: 'acme', scopes: ['query'] });
    await store.revoke(revoked.record.id);
    clock = NOW + 10;
    keys = { query: query.key, admin: admin.key, expired: expired.key, revoked: revoked.key, revokedId: revoked.record.id };
    secrets.push(query.key, admin.key, expired.key, revoked.key);
    const authenticator = new Authenticator({
      enabled: true,
      apiKeys: verifier,
      jwt: new JwtVerifier({ secret: HS_SECRET, jwksUrl: jwks.url, issuer: ISS, audience: AUD, now: () => NOW }),
      serviceToken: new ServiceTokenVerifier(SERVICE),
    });
    ({ app, logs } = await buildAuthApp({ authenticator, metricsToken: METRICS }));
  });
  after(async () => {
    await app.close();
    await jwks.close();
  });

  const get = (url: string, headers: Record<string, string> = {}, method: 'GET' | 'POST' = 'GET') => app.inject({ method, url, headers });
  const hs = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(HS_SECRET);
  const claims = { sub: 'u1', iss: ISS, aud: AUD, exp: nowS + 600, tenant: 'acme', scope: 'query' };

  async function expectProblem(res: Awaited<ReturnType<typeof get>>, status: number, code: string): Promise<void> {
    assert.equal(res.statusCode, status, res.body);
    const body = res.json<Problem>();
    assert.equal(body.code, code);
    assert.equal(body.status, status);
    if (status === 401) assert.match(String(res.headers['www-authenticate']), /^Bearer realm="ragd"/);
  }

  test('missing credentials -> 401 RAGD_ERR_UNAUTHORIZED with a bare Bearer challenge', async () => {
    const res = await get('/query');
    await expectProblem(res, 401, 'RAGD_ERR_UNAUTHORIZED');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="ragd"');
  });

  test('API key: valid (Bearer and X-API-Key), expired, revoked, wrong, missing scope', async () => {
    for (const headers of [{ authorization: `Bearer ${keys.query}` }, { 'x-api-key': keys.query }] as Record<string, string>[]) {
      const res = await get('/query', headers);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { kind: 'api_key', id: keys.query.slice(5, 17), tenant: 'acme', scopes: ['query'], actingFor: 'acme' });
    }
    for (const key of [keys.expired, keys.revoked, keys.query.slice(0, -1) + (keys.query.endsWith('a') ? 'b' : 'a'), 'ragd_garbage']) {
      const res = await get('/query', { 'x-api-key': key });
      await expectProblem(res, 401, 'RAGD_ERR_UNAUTHORIZED');
      assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/);
    }
    const forbidden = await get('/ingest', { authorization: `Bearer ${keys.query}` }, 'POST');
    await expectProblem(forbidden, 403, 'RAGD_ERR_FORBIDDEN');
    assert.match(String(forbidden.headers['www-authenticate']), /insufficient_scope", scope="ingest"/);
  });

  test('JWT: valid HS256 and RS256/ES256; expired, wrong signature, wrong audience, alg none, missing scope', async () => {
    assert.equal((await get('/query', { authorization: `Bearer ${await hs(claims)}` })).statusCode, 200);
    for (const alg of ['RS256', 'ES256'] as const) {
      const res = await get('/query', { authorization: `Bearer ${await jwks.sign(alg, claims)}` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json<{ kind: string }>().kind, 'jwt');
    }
    const wrongSig = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(40)));
    const none = `${base64url.encode(JSON.stringify({ alg: 'none' }))}.${base64url.encode(JSON.stringify(claims))}.`;
    for (const token of [await hs({ ...claims, exp: nowS - 3600 }), wrongSig, await jwks.sign('RS256', { ...claims, aud: 'other' }), none]) {
      await expectProblem(await get('/query', { authorization: `Bearer ${token}` }), 401, 'RAGD_ERR_UNAUTHORIZED');
    }
    await expectProblem(await get('/admin', { authorization: `Bearer ${await hs(claims)}` }, 'POST'), 403, 'RAGD_ERR_FORBIDDEN');
  });

  test('service token: valid with X-Tenant; wrong -> 401; it has every scope', async () => {
    const res = await get('/admin', { 'x-service-token': SERVICE, 'x-tenant': 'globex' }, 'POST');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json<{ kind: string; tenant: string }>().tenant, 'globex');
    assert.equal((await get('/any', { 'x-service-token': SERVICE })).json<{ tenant: string }>().tenant, 'default');
    await expectProblem(await get('/query', { 'x-service-token': 'wrong' }), 401, 'RAGD_ERR_UNAUTHORIZED');
  });

  test('non-Bearer Authorization schemes -> 401', async () => {
    await expectProblem(await get('/query', { authorization: 'Basic dXNlcjpwYXNz' }), 401, 'RAGD_ERR_UNAUTHORIZED');
  });

  test('tenant isolation: admins may act for another tenant, others never', async () => {
    const admin = await get('/any', { authorization: `Bearer ${keys.admin}`, 'x-tenant': 'acme' });
    assert.deepEqual([admin.json<{ tenant: string }>().tenant, admin.json<{ actingFor: string }>().actingFor], ['ops', 'acme']);
    const reader = await get('/any', { authorization: `Bearer ${keys.query}`, 'x-tenant': 'ops' });
    assert.equal(reader.json<{ actingFor: string }>().actingFor, 'acme');
  });

  test('public routes need nothing; the metrics route needs the metrics token', async () => {
    assert.equal((await get('/health')).statusCode, 200);
    await expectProblem(await get('/metrics'), 401, 'RAGD_ERR_UNAUTHORIZED');
    await expectProblem(await get('/metrics', { authorization: 'Bearer wrong' }), 401, 'RAGD_ERR_UNAUTHORIZED');
    await expectProblem(await get('/metrics', { authorization: `Bearer ${keys.admin}` }), 401, 'RAGD_ERR_UNAUTHORIZED');
    assert.equal((await get('/metrics', { authorization: `Bearer ${METRICS}` })).statusCode, 200);
  });

  test('key store outage: a verified key keeps working, a never-seen one is 503', async () => {
    const fresh = await store.create({ name: 'new', tenant: 'acme', scopes: ['query'] });
    secrets.push(fresh.key);
    assert.equal((await get('/query', { 'x-api-key': keys.query })).statusCode, 200);
    store.down = true;
    try {
      assert.equal((await get('/query', { 'x-api-key': keys.query })).statusCode, 200);
      await expectProblem(await get('/query', { 'x-api-key': fresh.key }), 503, 'RAGD_ERR_AUTH_UNAVAILABLE');
    } finally {
      store.down = false;
    }
  });

  test('audit: failures and admin actions are logged with principal, tenant, request id and ip, never secrets', async () => {
    await get('/query', { 'x-api-key': keys.revoked, 'x-request-id': 'audit-1' });
    await get('/admin', { authorization: `Bearer ${keys.admin}`, 'x-request-id': 'audit-2' }, 'POST');
    const audits = logs.filter((l) => l.event === 'audit');
    const failure = audits.find((l) => l.requestId === 'audit-1');
    assert.ok(failure);
    assert.equal(failure.action, 'auth.authenticate');
    assert.equal(failure.outcome, 'failure');
    assert.equal(failure.principalKind, 'api_key');
    assert.equal(failure.principalId, keys.revokedId);
    assert.equal(failure.ip, '127.0.0.1');
    const adminAction = audits.find((l) => l.requestId === 'audit-2');
    assert.ok(adminAction);
    assert.equal(adminAction.action, 'POST /admin');
    assert.equal(adminAction.outcome, 'success');
    assert.equal(adminAction.tenant, 'ops');
    assert.ok(audits.some((l) => l.action === 'auth.authorize' && l.outcome === 'denied'));
    const text = allLogText(logs);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret reached the log');
    assert.ok(!text.includes(keys.query.slice(17)), 'a key secret part reached the log');
  });
});

describe('auth plugin with authentication off', () => {
  test('every request is the anonymous principal of tenant default with all scopes', async () => {
    const { app } = await buildAuthApp({ authenticator: new Authenticator({ enabled: false }) });
    try {
      const res = await app.inject({ method: 'POST', url: '/admin' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { kind: 'anonymous', id: 'anonymous', tenant: 'default', scopes: ['query', 'ingest', 'admin'], actingFor: 'default' });
      assert.equal((await app.inject({ url: '/metrics' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
