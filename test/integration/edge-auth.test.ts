/**
 * Authentication and tenancy end to end over real HTTP: every credential kind (API key by Bearer and
 * X-API-Key, service token, HS256 JWT, metrics token) accepted and refused with the right status and
 * problem code; scopes; revocation (admin API: immediate; CLI: seen on first use); admin acting for
 * another tenant through X-Tenant; and tenant isolation: another tenant's collections and documents
 * answer 404 through every route, exactly as if they did not exist. Audit lines never hold secrets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { keysCreateCommand, keysRevokeCommand } from '../../src/cli/keys.js';
import {
  JWT_AUDIENCE,
  JWT_ISSUER,
  JWT_SECRET,
  METRICS_TOKEN,
  SERVICE_TOKEN,
  assertProblem,
  bearer,
  jwt,
  service,
  unsignedJwt,
} from '../support/edge-helpers.js';
import { call, parseSse, startTestServer, type TestServer } from '../support/test-server.js';

let srv: TestServer;
let base: string;
const keys: Record<'query' | 'ingest' | 'admin', { key: string; id: string }> = {} as never;

async function createKey(tenant: string, scopes: string[], extra: Record<string, unknown> = {}): Promise<{ key: string; id: string }> {
  const res = await call(
    base,
    'POST',
    '/api/v1/admin/keys',
    { name: `${tenant}-${scopes.join('-')}`, tenant, scopes, ...extra },
    service('ops'),
  );
  assert.equal(res.status, 201, res.text);
  return { key: String(res.body.key), id: String(res.body.id) };
}

before(async () => {
  srv = await startTestServer({
    RAGD_SERVICE_TOKEN: SERVICE_TOKEN,
    RAGD_JWT_SECRET: JWT_SECRET,
    RAGD_JWT_ISSUER: JWT_ISSUER,
    RAGD_JWT_AUDIENCE: JWT_AUDIENCE,
    RAGD_METRICS_TOKEN: METRICS_TOKEN,
  });
  base = srv.url;
  const ingest = async (tenant: string, collection: string, documents: unknown[]) => {
    const res = await call(base, 'POST', '/api/v1/rag/documents', { collection, documents }, service(tenant));
    assert.equal(res.status, 201, res.text);
  };
  await ingest('acme', 'kb', [
    { id: 'a1', title: 'Solar', text: 'Solar panels convert sunlight into electricity with photovoltaic cells.' },
  ]);
  await ingest('globex', 'kb', [
    { id: 'g1', title: 'Volcano', text: 'A volcano erupts when magma pressure exceeds the strength of the rock.' },
  ]);
  await ingest('globex', 'secret', [{ id: 's1', title: 'Plans', text: 'The secret launch of the orbital laser is planned for spring.' }]);
  keys.query = await createKey('acme', ['query']);
  keys.ingest = await createKey('acme', ['query', 'ingest']);
  keys.admin = await createKey('acme', ['admin']);
});

after(async () => {
  await srv.stop();
});

describe('credentials', () => {
  test('no credential -> 401 with WWW-Authenticate; public routes need none', async () => {
    const res = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb', query: 'solar' });
    assertProblem(res, 401, 'RAGD_ERR_UNAUTHORIZED');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="ragd"$/);
    assert.equal((await call(base, 'GET', '/health/live')).status, 200);
    assert.equal((await call(base, 'GET', '/health/ready')).status, 200);
    assert.equal((await call(base, 'GET', '/openapi.json')).status, 200);
    assert.equal((await fetch(`${base}/docs`)).status, 200);
  });

  test('API key: Bearer and X-API-Key both work and act for the key tenant', async () => {
    for (const headers of [bearer(keys.query.key), { 'x-api-key': keys.query.key }]) {
      const res = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb', query: 'solar panels' }, headers);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        (res.body.results as { documentId: string }[]).map((r) => r.documentId),
        ['a1'],
      );
    }
  });

  test('API key: a wrong secret or a malformed key is 401 invalid_token', async () => {
    const wrong = keys.query.key.slice(0, -1) + (keys.query.key.endsWith('a') ? 'b' : 'a');
    for (const token of [wrong, 'ragd_short', 'not-a-key']) {
      const res = await call(base, 'GET', '/api/v1/rag/collections', undefined, bearer(token));
      assertProblem(res, 401, 'RAGD_ERR_UNAUTHORIZED');
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });

  test('API key: missing scope -> 403 naming the scope', async () => {
    const res = await call(
      base,
      'POST',
      '/api/v1/rag/documents',
      { collection: 'kb', documents: [{ id: 'x', text: 'nope' }] },
      bearer(keys.query.key),
    );
    assertProblem(res, 403, 'RAGD_ERR_FORBIDDEN');
    assert.equal(res.body.requiredScope, 'ingest');
    assert.match(res.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    const del = await call(base, 'DELETE', '/api/v1/rag/documents/a1?collection=kb', undefined, bearer(keys.query.key));
    assertProblem(del, 403, 'RAGD_ERR_FORBIDDEN');
    const admin = await call(base, 'GET', '/api/v1/admin/keys', undefined, bearer(keys.ingest.key));
    assertProblem(admin, 403, 'RAGD_ERR_FORBIDDEN');
  });

  test('API key revoked through the admin API is refused at once', async () => {
    const k = await createKey('acme', ['query']);
    assert.equal((await call(base, 'GET', '/api/v1/rag/collections', undefined, bearer(k.key))).status, 200);
    const revoked = await call(base, 'DELETE', `/api/v1/admin/keys/${k.id}`, undefined, bearer(keys.admin.key));
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal(revoked.body.revoked, true);
    const res = await call(base, 'GET', '/api/v1/rag/collections', undefined, bearer(k.key));
    assertProblem(res, 401, 'RAGD_ERR_UNAUTHORIZED');
    assert.match(String(res.body.detail), /revoked/);
    assertProblem(
      await call(base, 'DELETE', '/api/v1/admin/keys/NoSuchKeyId0', undefined, bearer(keys.admin.key)),
      404,
      'RAGD_ERR_NOT_FOUND',
    );
  });

  test('an expired API key is refused', async () => {
    const k = await createKey('acme', ['query'], { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    assert.equal((await call(base, 'GET', '/api/v1/rag/collections', undefined, bearer(k.key))).status, 200);
    assertProblem(
      await call(
        base,
        'POST',
        '/api/v1/admin/keys',
        { tenant: 'acme', scopes: ['query'], expiresAt: '2001-01-01T00:00:00Z' },
        service('ops'),
      ),
      400,
      'RAGD_ERR_VALIDATION',
    );
  });

  test('keys made with the CLI work on first use; a CLI revocation of an unused key holds', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: () => {}, dataDir: srv.dataDir };
    assert.equal(await keysCreateCommand({ tenant: 'acme', scopes: 'query', json: true }, io), 0);
    const created = JSON.parse(lines.pop() as string) as { key: string; id: string; tenant: string };
    assert.equal(created.tenant, 'acme');
    assert.equal((await call(base, 'GET', '/api/v1/rag/collections', undefined, bearer(created.key))).status, 200);

    assert.equal(await keysCreateCommand({ tenant: 'acme', scopes: 'query', json: true }, io), 0);
    const unused = JSON.parse(lines.pop() as string) as { key: string; id: string };
    assert.equal(await keysRevokeCommand(unused.id, io), 0);
    assertProblem(await call(base, 'GET', '/api/v1/rag/collections', undefined, bearer(unused.key)), 401, 'RAGD_ERR_UNAUTHORIZED');
  });

  test('service token: right token acts for X-Tenant; a wrong one is 401', async () => {
    const res = await call(base, 'GET', '/api/v1/rag/collections', undefined, service('globex'));
    assert.equal(res.status, 200);
    assert.deepEqual((res.body.collections as { name: string }[]).map((c) => c.name).sort(), ['kb', 'secret']);
    assertProblem(
      await call(base, 'GET', '/api/v1/rag/collections', undefined, { 'x-service-token': 'w'.repeat(40) }),
      401,
      'RAGD_ERR_UNAUTHORIZED',
    );
    assertProblem(
      await call(base, 'GET', '/api/v1/rag/collections', undefined, { 'x-service-token': SERVICE_TOKEN, 'x-tenant': 'bad tenant!' }),
      400,
      'RAGD_ERR_VALIDATION',
    );
  });

  test('JWT (HS256): valid -> tenant and scopes from claims; expired, wrong audience, wrong key, alg none -> 401', async () => {
    const ok = await call(
      base,
      'POST',
      '/api/v1/rag/search',
      { collection: 'kb', query: 'volcano magma' },
      bearer(await jwt({ sub: 'u1', tenant: 'globex', scope: 'query' })),
    );
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(
      (ok.body.results as { documentId: string }[]).map((r) => r.documentId),
      ['g1'],
    );
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      ['expired', await jwt({ sub: 'u1', tenant: 'globex', scope: 'query', exp: now - 3600 })],
      ['audience', await jwt({ sub: 'u1', tenant: 'globex', scope: 'query', aud: 'someone-else' })],
      ['signature', await jwt({ sub: 'u1', tenant: 'globex', scope: 'query' }, 'another-secret-that-is-32-bytes-or-more!!')],
      ['alg none', unsignedJwt({ sub: 'u1', tenant: 'globex', scope: 'query admin' })],
    ] as const;
    for (const [why, token] of bad) {
      const res = await call(base, 'POST', '/api/v1/rag/search', { collection: 'kb', query: 'volcano' }, bearer(token));
      assertProblem(res, 401, 'RAGD_ERR_UNAUTHORIZED');
      assert.ok(res.body.detail, why);
    }
    const noScope = await call(
      base,
      'POST',
      '/api/v1/rag/documents',
      { documents: [{ text: 'x' }] },
      bearer(await jwt({ sub: 'u1', tenant: 'globex', scope: 'query' })),
    );
    assertProblem(noScope, 403, 'RAGD_ERR_FORBIDDEN');
  });

  test('metrics routes need the metrics token when it is set', async () => {
    for (const path of ['/metrics', '/metrics/circuit-breaker']) {
      assertProblem(await call(base, 'GET', path), 401, 'RAGD_ERR_UNAUTHORIZED');
      assertProblem(await call(base, 'GET', path, undefined, bearer(keys.admin.key)), 401, 'RAGD_ERR_UNAUTHORIZED');
      assert.equal((await call(base, 'GET', path, undefined, bearer(METRICS_TOKEN))).status, 200);
    }
  });
});

describe('tenants', () => {
  const acme = () => bearer(keys.ingest.key);

  test("another tenant's collection is 404 through every route", async () => {
    assertProblem(
      await call(base, 'GET', '/api/v1/rag/documents?collection=secret', undefined, acme()),
      404,
      'RAGD_ERR_COLLECTION_NOT_FOUND',
    );
    assertProblem(
      await call(base, 'GET', '/api/v1/rag/documents/s1?collection=secret', undefined, acme()),
      404,
      'RAGD_ERR_COLLECTION_NOT_FOUND',
    );
    assertProblem(
      await call(base, 'DELETE', '/api/v1/rag/documents/s1?collection=secret', undefined, acme()),
      404,
      'RAGD_ERR_COLLECTION_NOT_FOUND',
    );
    assertProblem(
      await call(base, 'POST', '/api/v1/rag/search', { collection: 'secret', query: 'orbital laser' }, acme()),
      404,
      'RAGD_ERR_COLLECTION_NOT_FOUND',
    );
    assertProblem(
      await call(base, 'POST', '/api/v1/rag/query', { collection: 'secret', query: 'When is the launch?' }, acme()),
      404,
      'RAGD_ERR_COLLECTION_NOT_FOUND',
    );
    assertProblem(
      await call(base, 'POST', '/api/v1/rag/query', { collection: 'secret', query: 'When is the launch?', stream: true }, acme()),
      404,
      'RAGD_ERR_COLLECTION_NOT_FOUND',
    );
    const list = await call(base, 'GET', '/api/v1/rag/collections', undefined, acme());
    assert.deepEqual(
      (list.body.collections as { name: string }[]).map((c) => c.name),
      ['kb'],
    );
  });

  test("another tenant's document in a same-named collection is 404, and never retrieved", async () => {
    assertProblem(await call(base, 'GET', '/api/v1/rag/documents/g1?collection=kb', undefined, acme()), 404, 'RAGD_ERR_DOCUMENT_NOT_FOUND');
    assertProblem(
      await call(base, 'DELETE', '/api/v1/rag/documents/g1?collection=kb', undefined, acme()),
      404,
      'RAGD_ERR_DOCUMENT_NOT_FOUND',
    );
    const listed = await call(base, 'GET', '/api/v1/rag/documents?collection=kb', undefined, acme());
    assert.deepEqual(
      (listed.body.documents as { id: string }[]).map((d) => d.id),
      ['a1'],
    );
    const search = await call(
      base,
      'POST',
      '/api/v1/rag/search',
      { collection: 'kb', query: 'volcano magma rock', mode: 'lexical' },
      acme(),
    );
    assert.ok(
      (search.body.results as { documentId: string }[]).every((r) => r.documentId === 'a1'),
      search.text,
    );
    const answer = await call(base, 'POST', '/api/v1/rag/query', { collection: 'kb', query: 'When does a volcano erupt?' }, acme());
    assert.equal(answer.status, 200, answer.text);
    assert.ok((answer.body.citations as { documentId: string }[]).every((c) => c.documentId === 'a1'));
    const stream = await call(
      base,
      'POST',
      '/api/v1/rag/query',
      { collection: 'kb', query: 'When does a volcano erupt?', stream: true },
      acme(),
    );
    const citations = parseSse(stream.text).find((e) => e.event === 'citations');
    assert.ok((citations?.data.citations as { documentId: string }[]).every((c) => c.documentId === 'a1'));
    // globex's document is untouched by acme's delete attempt.
    assert.equal((await call(base, 'GET', '/api/v1/rag/documents/g1?collection=kb', undefined, service('globex'))).status, 200);
  });

  test('X-Tenant: ignored for non-admins, honoured for admins', async () => {
    const reader = await call(base, 'GET', '/api/v1/rag/collections', undefined, { ...bearer(keys.query.key), 'x-tenant': 'globex' });
    assert.deepEqual(
      (reader.body.collections as { name: string }[]).map((c) => c.name),
      ['kb'],
    );
    const readerDoc = await call(base, 'GET', '/api/v1/rag/documents/s1?collection=secret', undefined, {
      ...bearer(keys.query.key),
      'x-tenant': 'globex',
    });
    assertProblem(readerDoc, 404);
    const admin = await call(base, 'GET', '/api/v1/rag/documents/s1?collection=secret', undefined, {
      ...bearer(keys.admin.key),
      'x-tenant': 'globex',
    });
    assert.equal(admin.status, 200, admin.text);
    assertProblem(
      await call(base, 'GET', '/api/v1/rag/collections', undefined, { ...bearer(keys.admin.key), 'x-tenant': '../etc' }),
      400,
      'RAGD_ERR_VALIDATION',
    );
  });
});

describe('key management and audit', () => {
  test('list shows no secrets; tenant filter works', async () => {
    const res = await call(base, 'GET', '/api/v1/admin/keys?tenant=acme', undefined, bearer(keys.admin.key));
    assert.equal(res.status, 200);
    const list = res.body.keys as Record<string, unknown>[];
    assert.ok(list.length >= 3);
    assert.ok(list.every((k) => k.tenant === 'acme' && k.key === undefined && k.hash === undefined && k.salt === undefined));
  });

  test('audit lines for failures and admin actions, never a secret', async () => {
    await call(base, 'GET', '/api/v1/rag/collections', undefined, {
      ...bearer('ragd_AAAAAAAAAAAAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'),
      'x-request-id': 'audit-fail',
    });
    const audits = srv.logs.filter((l) => l.event === 'audit');
    const failure = audits.find((l) => l.requestId === 'audit-fail');
    assert.equal(failure?.outcome, 'failure');
    assert.equal(failure?.principalKind, 'api_key');
    assert.ok(audits.some((l) => l.action === 'keys.create' && typeof (l.target as { keyId?: string }).keyId === 'string'));
    assert.ok(audits.some((l) => l.action === 'keys.revoke'));
    const text = JSON.stringify(srv.logs);
    for (const secret of [SERVICE_TOKEN, JWT_SECRET, METRICS_TOKEN, keys.query.key, keys.admin.key, keys.ingest.key])
      assert.ok(!text.includes(secret));
  });
});
