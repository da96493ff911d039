import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, approximateBytes } from '../../src/cache/memory-store.js';
import type { CacheEntry } from '../../src/cache/cache-store.js';
import { cacheStoreContract } from './cache-store-contract.js';
import { FakeClock } from './fake-clock.js';

cacheStoreContract('MemoryStore', ({ now }) => new MemoryStore({ now }));

describe('MemoryStore bounds', () => {
  const entry = (clock: FakeClock, value: unknown, tags: string[] = []): CacheEntry => ({
    value,
    storedAt: clock.now(),
    expiresAt: clock.now() + 1_000,
    keepUntil: clock.now() + 1_000,
    delta: 0,
    tags,
  });

  test('evicts the least recently used entry past maxEntries and reports it', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxEntries: 2, now: clock.now });
    const evicted: string[] = [];
    store.onEvict((n, reason) => evicted.push(`${n}:${reason}`));
    await store.set('a', entry(clock, 'a', ['t']));
    await store.set('b', entry(clock, 'b'));
    await store.get('a'); // a is now more recent than b
    await store.set('c', entry(clock, 'c'));
    assert.equal(await store.get('b'), undefined);
    assert.equal((await store.get('a'))?.value, 'a');
    assert.deepEqual(evicted, ['1:capacity']);
    assert.equal(await store.size(), 2);
  });

  test('evicts by approximate bytes', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxEntries: 1_000, maxBytes: 10_000, now: clock.now });
    for (let i = 0; i < 20; i++) await store.set(`k${i}`, entry(clock, 'x'.repeat(1_000)));
    const size = await store.size();
    assert.ok(size < 20 && size >= 3, `held ${size}`);
    assert.equal((await store.get('k19'))?.value, 'x'.repeat(1_000));
  });

  test('a value larger than the byte bound is not stored', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxBytes: 1_000, now: clock.now });
    await store.set('big', entry(clock, 'x'.repeat(10_000), ['t']));
    assert.equal(await store.get('big'), undefined);
    assert.equal(await store.purgeTag('t'), 0);
  });

  test('evicted entries leave the tag index', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ maxEntries: 1, now: clock.now });
    await store.set('a', entry(clock, 'a', ['t']));
    await store.set('b', entry(clock, 'b', ['u']));
    assert.equal(await store.purgeTag('t'), 0);
    assert.equal(await store.purgeTag('u'), 1);
  });

  test('approximateBytes sizes strings, typed arrays and objects', () => {
    assert.equal(approximateBytes('abcd'), 8);
    assert.equal(approximateBytes(new Float32Array(10)), 40);
    assert.ok(approximateBytes({ a: 'x'.repeat(100) }) > 200);
  });
});
