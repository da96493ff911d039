import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseApiKey, verifyApiKeySecret } from '../../src/auth/api-keys.js';
import { hasActiveKey, isKeyActive } from '../../src/auth/key-store.js';
import { SqliteKeyStore } from '../../src/auth/sqlite-key-store.js';
import { isRagdError } from '../../src/errors/ragd-error.js';

describe('SqliteKeyStore', () => {
  let dir: string;
  let clock = 1_700_000_000_000;
  let store: SqliteKeyStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ragd-keys-'));
    store = new SqliteKeyStore({ path: join(dir, 'nested', 'ragd.db'), now: () => clock });
    await store.open();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create returns the plaintext once; findByPrefix returns a verifiable hash', async () => {
    const { key, record } = await store.create({ name: ' ci ', tenant: 'acme', scopes: ['ingest', 'query', 'query'], rateLimitPerMinute: 30 });
    assert.equal(record.name, 'ci');
    assert.deepEqual(record.scopes, ['query', 'ingest']);
    assert.equal(record.createdAt, clock);
    const parsed = parseApiKey(key)!;
    assert.equal(parsed.id, record.id);
    const stored = await store.findByPrefix(record.id);
    assert.ok(stored);
    assert.equal(stored.rateLimitPerMinute, 30);
    assert.ok(verifyApiKeySecret(parsed.id, parsed.secret, stored.salt, stored.hash));
    assert.notEqual(stored.hash.toString('hex'), key);
    assert.equal(await store.findByPrefix('nope'), undefined);
  });

  test('nothing in the database file equals or contains the plaintext', async () => {
    const { key } = await store.create({ name: 'scan', tenant: 'acme', scopes: ['query'] });
    const db = new Database(store.path, { readonly: true });
    try {
      const rows = db.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[];
      const secret = parseApiKey(key)!.secret;
      for (const row of rows) {
        for (const v of Object.values(row)) {
          const text = Buffer.isBuffer(v) ? [v.toString('hex'), v.toString('latin1')].join(' ') : String(v);
          assert.ok(!text.includes(secret), 'secret found in a column');
        }
      }
    } finally {
      db.close();
    }
  });

  test('list never returns secrets, filters by tenant, newest first', async () => {
    clock += 1000;
    const { record: other } = await store.create({ name: 'other', tenant: 'globex', scopes: ['admin'] });
    const all = await store.list();
    assert.ok(all.length >= 3);
    for (const r of all) {
      assert.ok(!('hash' in r) && !('salt' in r) && !('key' in r), 'list leaked secret material');
      for (const v of Object.values(r)) assert.ok(!String(v).startsWith('ragd_'));
    }
    assert.equal(all[0]!.id, other.id);
    const acme = await store.list({ tenant: 'acme' });
    assert.ok(acme.every((r) => r.tenant === 'acme'));
  });

  test('revoke marks once; revoked and expired keys are inactive', async () => {
    const { record } = await store.create({ name: 'r', tenant: 'acme', scopes: ['query'], expiresAt: clock + 60_000 });
    assert.ok(isKeyActive(record, clock));
    assert.ok(!isKeyActive(record, clock + 60_000));
    clock += 5;
    assert.equal(await store.revoke(record.id), true);
    assert.equal(await store.revoke(record.id), false);
    assert.equal(await store.revoke('unknown'), false);
    const stored = await store.findByPrefix(record.id);
    assert.equal(stored!.revokedAt, clock);
    assert.ok(!isKeyActive(stored!, clock));
    assert.equal(await hasActiveKey(store, clock), true);
  });

  test('invalid input is RAGD_ERR_VALIDATION naming the field', async () => {
    const cases = [
      [{ name: '', tenant: 'a', scopes: ['query'] }, 'name'],
      [{ name: 'x', tenant: 'bad tenant', scopes: ['query'] }, 'tenant'],
      [{ name: 'x', tenant: 'a', scopes: [] }, 'scopes'],
      [{ name: 'x', tenant: 'a', scopes: ['root'] }, 'scopes'],
      [{ name: 'x', tenant: 'a', scopes: ['query'], expiresAt: clock - 1 }, 'expiresAt'],
      [{ name: 'x', tenant: 'a', scopes: ['query'], rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
    ] as const;
    for (const [input, field] of cases) {
      await assert.rejects(
        store.create(input as never),
        (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_VALIDATION' && err.details?.field === field,
      );
    }
  });

  test('reopening applies no migration twice and keeps the keys; a closed store is 503', async () => {
    const second = new SqliteKeyStore({ path: store.path });
    await second.open();
    assert.equal((await second.list()).length, (await store.list()).length);
    await second.close();
    await assert.rejects(second.list(), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_STORE_UNAVAILABLE');
  });

  test('the key table shares a file with other schemas without touching user_version', async () => {
    const db = new Database(store.path, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), 0);
    } finally {
      db.close();
    }
  });
});
