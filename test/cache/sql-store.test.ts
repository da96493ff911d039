import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqlStore } from '../../src/cache/sql-store.js';
import type { CacheEntry } from '../../src/cache/cache-store.js';
import { cacheStoreContract } from './cache-store-contract.js';
import { FakeClock } from './fake-clock.js';

let dir = '';
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ragd-sql-store-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
const file = (): string => join(dir, `cache-${n++}.db`);

cacheStoreContract('SqlStore', ({ now }) => new SqlStore({ path: file(), now, sweepIntervalMs: 0 }));

describe('SqlStore bounds', () => {
  const entry = (clock: FakeClock, value: unknown, ttl = 60_000): CacheEntry => ({
    value,
    storedAt: clock.now(),
    expiresAt: clock.now() + ttl,
    keepUntil: clock.now() + ttl,
    delta: 0,
    tags: ['t'],
  });

  test('never holds more than maxEntries, evicting the oldest', async () => {
    const clock = new FakeClock();
    const store = new SqlStore({ path: file(), maxEntries: 10, now: clock.now, sweepIntervalMs: 0 });
    const evicted: number[] = [];
    store.onEvict((count, reason) => reason === 'capacity' && evicted.push(count));
    for (let i = 0; i < 35; i++) {
      clock.advance(1);
      await store.set(`k${i}`, entry(clock, i));
      assert.ok((await store.size()) <= 10);
    }
    assert.equal(await store.get('k0'), undefined, 'oldest went first');
    assert.equal((await store.get('k34'))?.value, 34);
    assert.ok(evicted.reduce((a, b) => a + b, 0) >= 25);
    await store.close();
  });

  test('sweep deletes expired and over-age rows', async () => {
    const clock = new FakeClock();
    const store = new SqlStore({ path: file(), maxAgeMs: 10_000, now: clock.now, sweepIntervalMs: 0 });
    const expired: number[] = [];
    store.onEvict((count, reason) => reason === 'expired' && expired.push(count));
    await store.set('short', entry(clock, 1, 1_000));
    await store.set('long', entry(clock, 2, 1_000_000));
    clock.advance(5_000);
    await store.set('young', entry(clock, 3, 1_000_000));
    store.sweep();
    assert.equal(await store.size(), 2, 'short expired');
    clock.advance(6_000);
    store.sweep();
    assert.equal(await store.size(), 1, 'long is over age');
    assert.equal((await store.get('young'))?.value, 3);
    assert.deepEqual(expired, [1, 1]);
    await store.close();
  });

  test('persists across reopening the file', async () => {
    const clock = new FakeClock();
    const path = file();
    const first = new SqlStore({ path, now: clock.now, sweepIntervalMs: 0 });
    await first.set('k', entry(clock, { kept: true }));
    await first.close();
    const second = new SqlStore({ path, now: clock.now, sweepIntervalMs: 0 });
    assert.deepEqual((await second.get('k'))?.value, { kept: true });
    assert.equal(await second.purgeTag('t'), 1);
    await second.close();
  });

  test('its key set stays in step with the table through writes, deletes, purges, sweeps and reopening', async () => {
    const clock = new FakeClock();
    const path = file();
    let store = new SqlStore({ path, maxEntries: 20, maxAgeMs: 50_000, now: clock.now, sweepIntervalMs: 0 });
    const tagged = (value: number, ttl: number): CacheEntry => ({ ...entry(clock, value, ttl), tags: [value % 3 === 0 ? 'three' : 'other'] });
    const table = (): Set<string> => {
      const db = new Database(path, { readonly: true });
      try {
        return new Set(db.prepare<[], { key: string }>('SELECT key FROM cache_entries').all().map((r) => r.key));
      } finally {
        db.close();
      }
    };
    const agree = async (when: string): Promise<void> => {
      const held = table();
      for (let i = 0; i < 60; i++) {
        const key = `k${i}`;
        assert.equal((await store.get(key)) !== undefined, held.has(key), `${when}: ${key}`);
      }
    };
    for (let i = 0; i < 45; i++) {
      clock.advance(100);
      await store.set(`k${i}`, tagged(i, i % 4 === 0 ? 1_000 : 1_000_000)); // capacity sweeps as it goes
    }
    await agree('after capacity sweeps');
    assert.ok((await store.purgeTag('three')) > 0);
    await agree('after a purge');
    await store.delete('k44');
    await store.set('k50', tagged(50, 1_000_000));
    await agree('after a delete and a write');
    clock.advance(2_000);
    store.sweep(); // the 1 s entries expire
    await agree('after an expiry sweep');
    clock.advance(60_000);
    await store.set('k51', tagged(51, 1_000_000));
    store.sweep(); // everything but k51 is over age
    await agree('after an age sweep');
    await store.set('k44', tagged(44, 1_000_000)); // a deleted key written again is found again
    await store.close();
    store = new SqlStore({ path, now: clock.now, sweepIntervalMs: 0 });
    await agree('after reopening');
    assert.equal((await store.get('k44'))?.value, 44);
    assert.equal((await store.get('k51'))?.value, 51);
    await store.close();
  });

  test('a key it does not hold is a miss without a query', async () => {
    const clock = new FakeClock();
    const store = new SqlStore({ path: file(), now: clock.now, sweepIntervalMs: 0 });
    await store.set('held', entry(clock, 1));
    // With the connection closed, any statement throws: only the held key reaches SQLite.
    (store as unknown as { db: Database.Database }).db.close();
    assert.equal(await store.get('absent'), undefined);
    await assert.rejects(store.get('held'), /database connection is not open/);
  });
});
