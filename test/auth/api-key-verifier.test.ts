import { test, describe, mock } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { inspect } from 'node:util';
import { ApiKeyVerifier } from '../../src/auth/api-key-verifier.js';
import { API_KEY_PREFIX, KEY_ID_LENGTH } from '../../src/auth/api-keys.js';
import { isRagdError } from '../../src/errors/ragd-error.js';
import { FlakyKeyStore } from './fake-key-store.js';

const code = (c: string) => (err: unknown) => isRagdError(err) && err.code === c;

async function setup(opts: { ttl?: number; negative?: number; max?: number } = {}) {
  let t = 1_700_000_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const store = await FlakyKeyStore.open(clock.now);
  const errors: unknown[] = [];
  const verifier = new ApiKeyVerifier({
    store,
    now: clock.now,
    cacheTtlMs: opts.ttl ?? 60_000,
    negativeTtlMs: opts.negative ?? 5_000,
    maxEntries: opts.max ?? 100,
    onStoreError: (e) => errors.push(e),
  });
  return { clock, store, verifier, errors };
}

describe('ApiKeyVerifier', () => {
  test('a valid key yields its principal; the store is read once per TTL', async () => {
    const { store, verifier, clock } = await setup();
    const { key, record } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'], rateLimitPerMinute: 7 });
    const p = await verifier.verify(key);
    assert.deepEqual(p, { kind: 'api_key', id: record.id, name: 'n', tenant: 'acme', scopes: ['query'], rateLimitPerMinute: 7 });
    for (let i = 0; i < 10; i++) await verifier.verify(key);
    assert.equal(store.reads, 1);
    clock.advance(60_000);
    await verifier.verify(key);
    assert.equal(store.reads, 2);
  });

  test('concurrent misses for one key share one store read', async () => {
    const { store, verifier } = await setup();
    const { key } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'] });
    await Promise.all(Array.from({ length: 20 }, () => verifier.verify(key)));
    assert.equal(store.reads, 1);
  });

  test('wrong secret, unknown id and malformed keys are 401 with the same message', async () => {
    const { store, verifier } = await setup();
    const { key } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'] });
    const wrong = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    const unknown = 'ragd_' + 'Z'.repeat(44);
    const messages = new Set<string>();
    for (const k of [wrong, unknown, 'ragd_nope', 'not-a-key']) {
      await assert.rejects(verifier.verify(k), (err: unknown) => {
        assert.ok(isRagdError(err) && err.code === 'RAGD_ERR_UNAUTHORIZED');
        messages.add(err.message);
        return true;
      });
    }
    assert.equal(messages.size, 1);
  });

  test('negative entries are short-lived: unknown ids are re-read after negativeTtlMs', async () => {
    const { store, verifier, clock } = await setup({ negative: 5_000 });
    const unknown = 'ragd_' + 'Y'.repeat(44);
    await assert.rejects(verifier.verify(unknown), code('RAGD_ERR_UNAUTHORIZED'));
    await assert.rejects(verifier.verify(unknown), code('RAGD_ERR_UNAUTHORIZED'));
    assert.equal(store.reads, 1);
    clock.advance(5_000);
    await assert.rejects(verifier.verify(unknown), code('RAGD_ERR_UNAUTHORIZED'));
    assert.equal(store.reads, 2);
  });

  test('expired keys are 401 even from the cache', async () => {
    const { store, verifier, clock } = await setup();
    const { key } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'], expiresAt: clock.now() + 1_000 });
    await verifier.verify(key);
    clock.advance(1_000);
    await assert.rejects(verifier.verify(key), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_UNAUTHORIZED' && /expired/.test(err.message));
  });

  test('revocation through this process is immediate despite a fresh cache entry', async () => {
    const { store, verifier } = await setup();
    const { key, record } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'] });
    await verifier.verify(key);
    assert.equal(await verifier.revoke(record.id), true);
    await assert.rejects(verifier.verify(key), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_UNAUTHORIZED' && /revoked/.test(err.message));
  });

  test('a store outage never turns a previously verified key into a 401, however stale', async () => {
    const { store, verifier, clock, errors } = await setup({ ttl: 1_000 });
    const { key } = await store.create({ name: 'n', tenant: 'acme', scopes: ['ingest'] });
    await verifier.verify(key);
    store.down = true;
    clock.advance(3_600_000);
    const p = await verifier.verify(key);
    assert.equal(p.tenant, 'acme');
    assert.ok(errors.length >= 1);
    // ... but a wrong secret for that cached id is still refused.
    await assert.rejects(verifier.verify(key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a')), code('RAGD_ERR_UNAUTHORIZED'));
  });

  test('a never-seen key during an outage is 503 RAGD_ERR_AUTH_UNAVAILABLE', async () => {
    const { store, verifier } = await setup();
    const { key } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'] });
    store.down = true;
    await assert.rejects(verifier.verify(key), code('RAGD_ERR_AUTH_UNAVAILABLE'));
    store.down = false;
    assert.equal((await verifier.verify(key)).tenant, 'acme');
  });

  test('a key revoked here during an outage is refused, not served stale', async () => {
    const { store, verifier } = await setup();
    const { key, record } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'] });
    await verifier.verify(key);
    store.down = true;
    await assert.rejects(verifier.revoke(record.id), code('RAGD_ERR_STORE_UNAVAILABLE'));
    await assert.rejects(verifier.verify(key), code('RAGD_ERR_UNAUTHORIZED'));
  });

  test('the cache is bounded (LRU)', async () => {
    const { store, verifier } = await setup({ max: 3 });
    const keys = [];
    for (let i = 0; i < 6; i++) keys.push((await store.create({ name: `k${i}`, tenant: 'acme', scopes: ['query'] })).key);
    for (const k of keys) await verifier.verify(k);
    assert.equal(verifier.size, 3);
    const before = store.reads;
    await verifier.verify(keys[5]!); // most recent: cached
    assert.equal(store.reads, before);
    await verifier.verify(keys[0]!); // evicted: read again
    assert.equal(store.reads, before + 1);
  });
});

describe('ApiKeyVerifier cached verdicts (verifyCached)', () => {
  test('a key is verified once: later checks are synchronous, read no store and compute no HMAC', async () => {
    const { store, verifier } = await setup();
    const { key, record } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'], rateLimitPerMinute: 7 });
    assert.equal(verifier.verifyCached(key), undefined, 'nothing cached before the first verify');
    const first = await verifier.verify(key);
    const reads = store.reads;
    const hmac = mock.method(crypto, 'createHmac');
    try {
      for (let i = 0; i < 5; i++) {
        const p = verifier.verifyCached(key);
        assert.deepEqual(p, { kind: 'api_key', id: record.id, name: 'n', tenant: 'acme', scopes: ['query'], rateLimitPerMinute: 7 });
        assert.equal(p, first, 'the same principal object every time');
      }
      assert.equal(hmac.mock.callCount(), 0);
    } finally {
      hmac.mock.restore();
    }
    assert.equal(store.reads, reads);
  });

  test('only the exact key that verified: another secret for the same id, or a malformed key, is not answered', async () => {
    const { store, verifier } = await setup();
    const { key } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'] });
    await verifier.verify(key);
    const wrong = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    for (const k of [wrong, `${key} `, key.toLowerCase(), '', 'ragd_short']) assert.equal(verifier.verifyCached(k), undefined, k);
    await assert.rejects(verifier.verify(wrong), code('RAGD_ERR_UNAUTHORIZED'));
  });

  test('revocation by this process and invalidation drop the verdict at once', async () => {
    const { store, verifier } = await setup();
    const a = await store.create({ name: 'a', tenant: 'acme', scopes: ['query'] });
    const b = await store.create({ name: 'b', tenant: 'acme', scopes: ['query'] });
    await verifier.verify(a.key);
    await verifier.verify(b.key);
    await verifier.revoke(a.record.id);
    assert.equal(verifier.verifyCached(a.key), undefined);
    await assert.rejects(verifier.verify(a.key), (err: unknown) => isRagdError(err) && /revoked/.test(err.message));
    verifier.invalidate(b.record.id);
    assert.equal(verifier.verifyCached(b.key), undefined);
    assert.equal((await verifier.verify(b.key)).id, b.record.id, 'verifies again from the store');
    assert.ok(verifier.verifyCached(b.key));
  });

  test('expiry and the row TTL hold for cached verdicts too', async () => {
    const { store, verifier, clock } = await setup({ ttl: 60_000 });
    const short = await store.create({ name: 's', tenant: 'acme', scopes: ['query'], expiresAt: clock.now() + 1_000 });
    const long = await store.create({ name: 'l', tenant: 'acme', scopes: ['query'] });
    await verifier.verify(short.key);
    await verifier.verify(long.key);
    clock.advance(999);
    assert.ok(verifier.verifyCached(short.key));
    clock.advance(1);
    assert.equal(verifier.verifyCached(short.key), undefined, 'expired');
    clock.advance(59_000);
    assert.equal(verifier.verifyCached(long.key), undefined, 'row older than the TTL: re-read first');
    const reads = store.reads;
    await verifier.verify(long.key);
    assert.equal(store.reads, reads + 1);
    assert.ok(verifier.verifyCached(long.key));
  });

  test('the cache holds a digest of the key, never the key or its secret', async () => {
    const { store, verifier } = await setup();
    const { key } = await store.create({ name: 'n', tenant: 'acme', scopes: ['query'] });
    await verifier.verify(key);
    assert.ok(verifier.verifyCached(key));
    const dump = inspect(verifier, { depth: 20, showHidden: true, maxStringLength: Infinity, maxArrayLength: Infinity });
    assert.ok(!dump.includes(key.slice(API_KEY_PREFIX.length + KEY_ID_LENGTH)), 'secret part found in the verifier');
  });
});
