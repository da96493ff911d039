/**
 * The CacheStore contract, run by every store's test file (undici's cacheStoreTests pattern):
 * `cacheStoreContract('MemoryStore', ({ now }) => new MemoryStore({ now }))`.
 * Time is a FakeClock; stores must honour `keepUntil` against the clock they were given.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { CacheEntry, CacheStore, Clock } from '../../src/cache/cache-store.js';
import { FakeClock } from './fake-clock.js';

export type MakeStore = (ctx: { now: Clock }) => CacheStore | Promise<CacheStore>;

export function cacheStoreContract(name: string, makeStore: MakeStore, options: { skip?: string | false } = {}): void {
  describe(`${name} (CacheStore contract)`, { skip: options.skip ?? false }, () => {
    let clock: FakeClock;
    let store: CacheStore;

    const entry = (value: unknown, init: Partial<CacheEntry> = {}): CacheEntry => {
      const now = clock.now();
      return { value, storedAt: now, expiresAt: now + 60_000, keepUntil: now + 120_000, delta: 12.5, tags: [], ...init };
    };

    beforeEach(async () => {
      clock = new FakeClock();
      store = await makeStore({ now: clock.now });
    });
    afterEach(async () => {
      await store.close();
    });

    test('a missing key reads as undefined', async () => {
      assert.equal(await store.get('absent'), undefined);
    });

    test('round-trips every field of an entry', async () => {
      const e = entry({ answer: 'x', citations: [{ id: 1, score: 0.5 }], nested: { ok: true, none: null } }, { tags: ['collection:t/a', 'tenant:t'] });
      await store.set('k', e);
      assert.deepEqual(await store.get('k'), e);
    });

    test('round-trips JSON values of every kind', async () => {
      const values = ['text', 'ünïcödé ✓', 0, -1.5, true, false, null, [1, 'a', null], { a: { b: [] } }];
      for (const [i, v] of values.entries()) await store.set(`v${i}`, entry(v));
      for (const [i, v] of values.entries()) assert.deepEqual((await store.get(`v${i}`))?.value, v);
    });

    test('keys may hold any characters', async () => {
      const keys = ['a:b:c', 'with space', 'ünï/cödé', '{hash}tag', '*?[]'];
      for (const k of keys) await store.set(k, entry(k));
      for (const k of keys) assert.equal((await store.get(k))?.value, k);
    });

    test('set replaces value and tags', async () => {
      await store.set('k', entry('old', { tags: ['a'] }));
      await store.set('k', entry('new', { tags: ['b'] }));
      assert.equal((await store.get('k'))?.value, 'new');
      assert.equal(await store.purgeTag('a'), 0);
      assert.equal((await store.get('k'))?.value, 'new');
      assert.equal(await store.purgeTag('b'), 1);
      assert.equal(await store.get('k'), undefined);
    });

    test('delete reports whether something was removed', async () => {
      await store.set('k', entry(1));
      assert.equal(await store.delete('k'), true);
      assert.equal(await store.get('k'), undefined);
      assert.equal(await store.delete('k'), false);
    });

    test('an expired entry is still returned until keepUntil, then never', async () => {
      await store.set('k', entry('v', { expiresAt: clock.now() + 1_000, keepUntil: clock.now() + 5_000 }));
      clock.advance(1_000);
      assert.equal((await store.get('k'))?.value, 'v', 'inside the stale window the caller decides');
      clock.advance(3_999);
      assert.equal((await store.get('k'))?.value, 'v');
      clock.advance(1);
      assert.equal(await store.get('k'), undefined);
    });

    test('an entry already past keepUntil is not stored and replaces nothing', async () => {
      await store.set('k', entry('live'));
      await store.set('k', entry('dead', { expiresAt: clock.now() - 2, keepUntil: clock.now() }));
      assert.equal((await store.get('k'))?.value, 'live');
      await store.set('gone', entry('dead', { keepUntil: clock.now() - 1 }));
      assert.equal(await store.get('gone'), undefined);
    });

    test('purgeTag removes exactly the entries carrying the tag', async () => {
      await store.set('a1', entry(1, { tags: ['collection:a'] }));
      await store.set('a2', entry(2, { tags: ['collection:a', 'tenant:x'] }));
      await store.set('b1', entry(3, { tags: ['collection:b', 'tenant:x'] }));
      await store.set('untagged', entry(4));
      assert.equal(await store.purgeTag('collection:a'), 2);
      assert.equal(await store.get('a1'), undefined);
      assert.equal(await store.get('a2'), undefined);
      assert.equal((await store.get('b1'))?.value, 3);
      assert.equal((await store.get('untagged'))?.value, 4);
      assert.equal(await store.purgeTag('tenant:x'), 1);
      assert.equal(await store.get('b1'), undefined);
      assert.equal(await store.purgeTag('collection:a'), 0);
      assert.equal(await store.purgeTag('never-used'), 0);
    });

    test('entries written after a purge are kept', async () => {
      await store.set('k', entry('before', { tags: ['t'] }));
      await store.purgeTag('t');
      await store.set('k', entry('after', { tags: ['t'] }));
      assert.equal((await store.get('k'))?.value, 'after');
    });

    test('concurrent writes of different keys all land', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.set(`c${i}`, entry(i, { tags: ['bulk'] }))));
      const read = await Promise.all(Array.from({ length: 50 }, (_, i) => store.get(`c${i}`)));
      assert.deepEqual(read.map((e) => e?.value), Array.from({ length: 50 }, (_, i) => i));
      assert.equal(await store.purgeTag('bulk'), 50);
    });

    test('size counts live entries when the store can count', async () => {
      await store.set('a', entry(1));
      await store.set('b', entry(2));
      const size = await store.size();
      if (size !== undefined) assert.equal(size, 2);
      store.onEvict(() => {});
    });
  });
}
