import { test, describe, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { exportSPKI, SignJWT, base64url } from 'jose';
import { JwtVerifier, JWT_CLOCK_TOLERANCE_SECONDS, looksLikeJwt } from '../../src/auth/jwt.js';
import { isRagdError } from '../../src/errors/ragd-error.js';
import { closedPort, startJwksServer, type JwksServer } from './jwks-server.js';

const SECRET = new TextEncoder().encode('a-32-byte-or-longer-hmac-secret-for-tests!');
const NOW = 1_700_000_000_000;
const nowS = NOW / 1000;
const ISS = 'https://idp.test/';
const AUD = 'ragd';

const unauthorized = (pattern?: RegExp) => (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_UNAUTHORIZED' && (!pattern || pattern.test(err.message));

function hs(payload: Record<string, unknown>, secret = SECRET, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', ...header }).sign(secret);
}

const base = { sub: 'user-1', iss: ISS, aud: AUD, exp: nowS + 300, iat: nowS, tenant: 'acme', scope: 'query ingest' };

describe('JwtVerifier with HS256', () => {
  const v = new JwtVerifier({ secret: SECRET, issuer: ISS, audience: AUD, now: () => NOW });

  test('a valid token yields sub, tenant and scopes', async () => {
    assert.deepEqual(await v.verify(await hs(base)), { kind: 'jwt', id: 'user-1', name: 'user-1', tenant: 'acme', scopes: ['query', 'ingest'] });
  });

  test('scopes may be an array; unknown scopes are dropped; claims are configurable', async () => {
    const custom = new JwtVerifier({ secret: SECRET, tenantClaim: 'org', scopeClaim: 'scp', now: () => NOW });
    const p = await custom.verify(await hs({ ...base, org: 'globex', scp: ['admin', 'root'] }));
    assert.equal(p.tenant, 'globex');
    assert.deepEqual(p.scopes, ['admin']);
    const noTenant = await custom.verify(await hs({ exp: nowS + 60 }));
    assert.equal(noTenant.tenant, 'default');
    assert.deepEqual(noTenant.scopes, []);
  });

  test('expired (beyond the clock tolerance) -> 401; within it -> accepted', async () => {
    await assert.rejects(v.verify(await hs({ ...base, exp: nowS - JWT_CLOCK_TOLERANCE_SECONDS - 1 })), unauthorized(/expired/));
    assert.ok(await v.verify(await hs({ ...base, exp: nowS - JWT_CLOCK_TOLERANCE_SECONDS + 5 })));
  });

  test('missing exp -> 401', async () => {
    const { exp: _exp, ...noExp } = base;
    await assert.rejects(v.verify(await hs(noExp)), unauthorized(/exp/));
  });

  test('wrong signature, audience, issuer -> 401', async () => {
    await assert.rejects(v.verify(await hs(base, new TextEncoder().encode('another-32-byte-or-longer-secret-value'))), unauthorized(/signature/));
    await assert.rejects(v.verify(await hs({ ...base, aud: 'someone-else' })), unauthorized(/aud/));
    await assert.rejects(v.verify(await hs({ ...base, iss: 'https://evil.test/' })), unauthorized(/iss/));
  });

  test('alg: none is rejected', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(JSON.stringify(base));
    const token = `${header}.${payload}.`;
    assert.ok(looksLikeJwt(token));
    await assert.rejects(v.verify(token), unauthorized());
  });

  test('an invalid tenant claim -> 401; garbage -> 401', async () => {
    await assert.rejects(v.verify(await hs({ ...base, tenant: '../etc' })), unauthorized(/tenant/));
    await assert.rejects(v.verify('aaa.bbb.ccc'), unauthorized());
  });

  test('config errors: short secret, nothing configured, JWKS without issuer/audience', () => {
    const config = (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG';
    assert.throws(() => new JwtVerifier({ secret: new Uint8Array(16) }), config);
    assert.throws(() => new JwtVerifier({}), config);
    assert.throws(() => new JwtVerifier({ jwksUrl: 'http://127.0.0.1:1/jwks' }), config);
  });
});

describe('JwtVerifier with a JWKS (RS256, ES256)', () => {
  let jwks: JwksServer;
  let v: JwtVerifier;
  before(async () => {
    jwks = await startJwksServer();
    v = new JwtVerifier({ jwksUrl: jwks.url, secret: SECRET, issuer: ISS, audience: AUD, now: () => NOW });
  });
  after(() => jwks.close());

  test('RS256 and ES256 tokens verify; the key set is fetched once and cached', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const p = await v.verify(await jwks.sign(alg, base));
      assert.equal(p.kind, 'jwt');
      assert.equal(p.tenant, 'acme');
    }
    await v.verify(await jwks.sign('RS256', base));
    assert.equal(jwks.requests, 1);
  });

  test('expired, wrong audience and unknown kid -> 401', async () => {
    await assert.rejects(v.verify(await jwks.sign('ES256', { ...base, exp: nowS - 120 })), unauthorized(/expired/));
    await assert.rejects(v.verify(await jwks.sign('RS256', { ...base, aud: 'other' })), unauthorized(/aud/));
    await assert.rejects(v.verify(await jwks.sign('RS256', base, 'unknown-kid')), unauthorized());
  });

  test('algorithm confusion: an HS256 token keyed with the RSA public key is rejected', async () => {
    const rsa = jwks.keys.find((k) => k.alg === 'RS256')!;
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const forged = await hs(base, pem, { kid: rsa.kid });
    await assert.rejects(v.verify(forged), unauthorized(/signature/));
    const jwksOnly = new JwtVerifier({ jwksUrl: jwks.url, issuer: ISS, audience: AUD, now: () => NOW });
    await assert.rejects(jwksOnly.verify(forged), unauthorized(/algorithm/));
  });

  test('an RS256 token is never checked against the HMAC secret (and vice versa)', async () => {
    const hsOnly = new JwtVerifier({ secret: SECRET, issuer: ISS, audience: AUD, now: () => NOW });
    await assert.rejects(hsOnly.verify(await jwks.sign('RS256', base)), unauthorized(/algorithm/));
  });

  test('during an IdP outage the last fetched key set keeps verifying', async () => {
    const local = await startJwksServer();
    const verifier = new JwtVerifier({ jwksUrl: local.url, issuer: ISS, audience: AUD, now: () => NOW });
    const token = await local.sign('ES256', base);
    await verifier.verify(token);
    await local.close();
    // jose's JWKS cache ages by Date.now: move it past the 10-minute max age so it must refetch.
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      mock.timers.tick(11 * 60_000);
      assert.equal((await verifier.verify(token)).tenant, 'acme');
    } finally {
      mock.timers.reset();
    }
  });

  test('a JWKS never fetched and unreachable -> 503 RAGD_ERR_AUTH_UNAVAILABLE', async () => {
    const port = await closedPort();
    const verifier = new JwtVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks`, issuer: ISS, audience: AUD, now: () => NOW });
    await assert.rejects(verifier.verify(await jwks.sign('RS256', base)), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_AUTH_UNAVAILABLE');
  });
});
