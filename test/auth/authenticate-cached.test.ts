// The synchronous fast path of authentication: Authenticator.cached answers only what it can know
// without I/O, in the same order as authenticate(), and the auth plugin takes it for a key whose
// verdict is cached (no store read, no HMAC), while revocation still applies at once.
import { test, describe, mock } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ApiKeyVerifier } from '../../src/auth/api-key-verifier.js';
import { ANONYMOUS_PRINCIPAL, Authenticator } from '../../src/auth/authenticate.js';
import { ServiceTokenVerifier } from '../../src/auth/service-token.js';
import { buildAuthApp } from './app-helper.js';
import { FlakyKeyStore } from './fake-key-store.js';

const SERVICE = 'service-token-of-at-least-32-bytes-xxxxxxxx';

async function setup() {
  const store = await FlakyKeyStore.open();
  const verifier = new ApiKeyVerifier({ store });
  const authenticator = new Authenticator({ enabled: true, apiKeys: verifier, serviceToken: new ServiceTokenVerifier(SERVICE) });
  const { key, record } = await store.create({ name: 'reader', tenant: 'acme', scopes: ['query'] });
  return { store, verifier, authenticator, key, id: record.id };
}

describe('Authenticator.cached', () => {
  test('authentication off: the anonymous principal, whatever is presented', () => {
    const off = new Authenticator({ enabled: false });
    assert.equal(off.cached({}), ANONYMOUS_PRINCIPAL);
    assert.equal(off.cached({ authorization: 'Bearer nonsense' }), ANONYMOUS_PRINCIPAL);
  });

  test('an API key only once verified, through Bearer or X-API-Key', async () => {
    const { authenticator, key, id } = await setup();
    assert.equal(authenticator.cached({ authorization: `Bearer ${key}` }), undefined);
    await authenticator.authenticate({ authorization: `Bearer ${key}` });
    assert.equal(authenticator.cached({ authorization: `Bearer ${key}` })?.id, id);
    assert.equal(authenticator.cached({ 'x-api-key': ` ${key} ` })?.id, id);
    // Spellings the full parse accepts but the fast path does not: left to authenticate().
    for (const authorization of [`bearer ${key}`, `Bearer  ${key}`, `Bearer ${key} `]) {
      assert.equal(authenticator.cached({ authorization }), undefined, authorization);
      assert.equal((await authenticator.authenticate({ authorization })).id, id, authorization);
    }
  });

  test('credential precedence is that of authenticate(): a service token header wins over an API key', async () => {
    const { authenticator, key } = await setup();
    await authenticator.authenticate({ 'x-api-key': key });
    const headers = { 'x-service-token': 'wrong-token-but-long-enough-to-be-checked', 'x-api-key': key };
    assert.equal(authenticator.cached(headers), undefined);
    await assert.rejects(authenticator.authenticate(headers), /invalid service token/);
    const service = authenticator.cached({ 'x-service-token': SERVICE, 'x-tenant': 'globex' });
    assert.deepEqual(service && { kind: service.kind, tenant: service.tenant }, { kind: 'service', tenant: 'globex' });
    assert.equal(authenticator.cached({ 'x-service-token': SERVICE, 'x-tenant': 'bad tenant!' }), undefined);
    assert.equal(authenticator.cached({}), undefined, 'no credential: authenticate() gives the 401');
  });
});

describe('auth plugin on the fast path', () => {
  test('after the first request a key costs no store read and no HMAC; a revoke applies to the next request', async () => {
    const { store, verifier, authenticator, key, id } = await setup();
    const { app } = await buildAuthApp({ authenticator });
    const get = () => app.inject({ url: '/query', headers: { authorization: `Bearer ${key}` } });
    assert.equal((await get()).statusCode, 200);
    const reads = store.reads;
    const hmac = mock.method(crypto, 'createHmac');
    try {
      for (let i = 0; i < 3; i++) {
        const res = await get();
        assert.equal(res.statusCode, 200);
        assert.equal(res.json<{ id: string; tenant: string }>().id, id);
      }
      assert.equal(hmac.mock.callCount(), 0);
    } finally {
      hmac.mock.restore();
    }
    assert.equal(store.reads, reads);
    await verifier.revoke(id);
    const revoked = await get();
    assert.equal(revoked.statusCode, 401);
    assert.match(revoked.json<{ detail: string }>().detail, /revoked/);
    await app.close();
  });

  test('a cached principal still needs the route scope', async () => {
    const { authenticator, key } = await setup();
    const { app } = await buildAuthApp({ authenticator });
    const headers = { authorization: `Bearer ${key}` };
    assert.equal((await app.inject({ url: '/query', headers })).statusCode, 200);
    const denied = await app.inject({ method: 'POST', url: '/ingest', headers });
    assert.equal(denied.statusCode, 403);
    assert.match(String(denied.headers['www-authenticate']), /insufficient_scope/);
    await app.close();
  });
});
