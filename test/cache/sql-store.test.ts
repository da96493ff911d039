import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
