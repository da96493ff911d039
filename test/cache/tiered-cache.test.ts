import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TieredCache } from '../../src/cache/tiered-cache.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { CountingCacheEvents } from '../../src/cache/cache-events.js';
import type { CacheEntry } from '../../src/cache/cache-store.js';
import { FakeClock } from './fake-clock.js';
import { FailingStore } from './failing-store.js';
import { SqlStore } from '../../src/cache/sql-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function setup(cooldownMs = 1_000) {
  const clock = new FakeClock();
  const events = new CountingCacheEvents();
  const l1 = new MemoryStore({ now: clock.now });
  const l2 = new FailingStore(new MemoryStore({ now: clock.now }));
  const l3 = new MemoryStore({ now: clock.now });
  const cache = new TieredCache({
    tiers: [
      { name: 'memory', store: l1, ttlMs: 5_000 },
      { name: 'redis', store: l2, ttlMs: 60_000 },
      { name: 'sql', store: l3 },
    ],
    events,
    now: clock.now,
    tierCooldownMs: cooldownMs,
  });
  const entry = (value: unknown, ttl = 600_000): CacheEntry => ({
    value,
    storedAt: clock.now(),
    expiresAt: clock.now() + ttl,
    keepUntil: clock.now() + ttl,
    delta: 0,
    tags: ['collection:t/c'],
  });
  return { clock, events, l1, l2, l3, cache, entry };
}

describe('TieredCache', () => {
  test('writes go through to every tier, each copy clipped to its tier TTL', async () => {
    const { cache, l1, l2, l3, entry, clock } = setup();
    await cache.set('k', entry('v'));
    assert.equal((await l1.get('k'))?.keepUntil, clock.now() + 5_000);
    assert.equal((await l2.get('k'))?.keepUntil, clock.now() + 60_000);
    assert.equal((await l3.get('k'))?.keepUntil, clock.now() + 600_000);
    assert.equal((await l1.get('k'))?.expiresAt, clock.now() + 600_000, 'freshness is the entry’s, not the tier’s');
  });

  test('reads stop at the first tier holding the key and fill the tiers above', async () => {
    const { cache, l1, l2, l3, entry } = setup();
    await l3.set('k', entry('from-sql'));
    const hit = await cache.get('k');
    assert.equal(hit?.tier, 'sql');
    assert.equal(hit?.entry.value, 'from-sql');
    assert.equal((await l1.get('k'))?.value, 'from-sql');
    assert.equal((await l2.get('k'))?.value, 'from-sql');
    assert.equal((await cache.get('k'))?.tier, 'memory');
  });

  test('an expired copy in L1 does not hide a fresh one below; with none fresh, the fastest stale copy is returned', async () => {
    const { cache, clock, l1, l3, entry } = setup();
    await l1.set('k', { ...entry('old', 1_000), keepUntil: clock.now() + 5_000 });
    await l3.set('k', entry('new'));
    clock.advance(1_000);
    const hit = await cache.get('k');
    assert.deepEqual([hit?.tier, hit?.entry.value], ['sql', 'new']);
    assert.equal((await l1.get('k'))?.value, 'new', 'L1 refreshed from below');
    await l1.set('s', { ...entry('stale-l1', 1_000), keepUntil: clock.now() + 5_000 });
    await l3.set('s', { ...entry('stale-l3', 1_000), keepUntil: clock.now() + 5_000 });
    clock.advance(1_000);
    const stale = await cache.get('s');
    assert.deepEqual([stale?.tier, stale?.entry.value], ['memory', 'stale-l1']);
  });

  test('after the L1 TTL a read falls through to L2 and refills L1', async () => {
    const { cache, clock, entry } = setup();
    await cache.set('k', entry('v'));
    clock.advance(5_000);
    assert.equal((await cache.get('k'))?.tier, 'redis');
    assert.equal((await cache.get('k'))?.tier, 'memory');
  });

  test('a throwing tier is skipped, counted and retried after the cooldown', async () => {
    const { cache, l2, l3, events, clock, entry } = setup(1_000);
    await l3.set('k', entry('v'));
    l2.failing = true;
    const hit = await cache.get('k');
    assert.equal(hit?.tier, 'sql', 'the read succeeds from the tier below');
    assert.equal(events.errors.get('redis'), 1);
    const callsWhileSuspended = l2.calls;
    await cache.set('k2', entry('v2'));
    assert.equal((await cache.get('k2'))?.tier, 'memory');
    assert.equal(l2.calls, callsWhileSuspended, 'suspended tier is not called');
    l2.failing = false;
    clock.advance(1_000);
    await cache.set('k3', entry('v3'));
    assert.equal(l2.calls, callsWhileSuspended + 1, 'used again after the cooldown');
  });

  test('a tier failing on write does not fail the write', async () => {
    const { cache, l1, l2, l3, events, entry } = setup(0);
    l2.failing = true;
    await cache.set('k', entry('v'));
    assert.equal((await cache.get('k'))?.entry.value, 'v');
    assert.equal(events.errors.get('redis'), 1);
    await l3.set('deep', entry('d'));
    const hit = await cache.get('deep');
    assert.equal(hit?.tier, 'sql');
    assert.equal((await l1.get('deep'))?.value, 'd', 'L1 filled even though filling L2 failed');
    assert.equal(events.errors.get('redis'), 3, 'read and fill of L2 failed too; none leaked');
  });

  test('purgeTag purges every tier and reports failures per tier', async () => {
    const { cache, l2, entry } = setup();
    await cache.set('k', entry('v'));
    l2.failing = true;
    const result = await cache.purgeTag('collection:t/c');
    assert.deepEqual(result.map((r) => [r.tier, r.removed, r.error === undefined]), [
      ['memory', 1, true],
      ['redis', undefined, false],
      ['sql', 1, true],
    ]);
    assert.equal(await cache.get('k'), undefined);
  });

  test('entries() reports per-tier sizes and evictions are forwarded', async () => {
    const clock = new FakeClock();
    const events = new CountingCacheEvents();
    const cache = new TieredCache({ tiers: [{ name: 'memory', store: new MemoryStore({ maxEntries: 1, now: clock.now }) }], events, now: clock.now });
    const e: CacheEntry = { value: 1, storedAt: 0, expiresAt: clock.now() + 1, keepUntil: clock.now() + 1_000, delta: 0, tags: [] };
    await cache.set('a', e);
    await cache.set('b', e);
    assert.deepEqual(await cache.entries(), { memory: 1 });
    assert.equal(events.evictions.get('memory:capacity'), 1);
  });

  test('knownAbsent: true only while every tier can tell it holds no copy, fresh or stale, of the key', async () => {
    const clock = new FakeClock();
    const dir = mkdtempSync(join(tmpdir(), 'tiered-absent-'));
    const l1 = new MemoryStore({ now: clock.now });
    const l3 = new SqlStore({ path: join(dir, 'cache.db'), now: clock.now, sweepIntervalMs: 0 });
    try {
      const cache = new TieredCache({ tiers: [{ name: 'memory', store: l1, ttlMs: 5_000 }, { name: 'sql', store: l3 }], now: clock.now });
      const entry: CacheEntry = { value: 'v', storedAt: clock.now(), expiresAt: clock.now() + 10_000, keepUntil: clock.now() + 60_000, delta: 0, tags: [] };
      assert.equal(cache.knownAbsent('k'), true);
      await cache.set('k', entry);
      assert.equal(cache.knownAbsent('k'), false);
      assert.equal(cache.knownAbsent('other'), true);
      clock.advance(6_000); // the memory copy is gone, the SQLite row is not
      assert.equal(await l1.get('k'), undefined);
      assert.equal(cache.knownAbsent('k'), false, 'the SQLite tier still holds it');
      clock.advance(10_000); // past expiresAt: stale, still held
      assert.equal(cache.knownAbsent('k'), false, 'a stale copy counts: it may be served on error');
      await cache.delete('k');
      assert.equal(cache.knownAbsent('k'), true);
    } finally {
      await l3.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('knownAbsent is false with a tier that cannot tell (as Redis) or a suspended tier', async () => {
    const { cache, l2 } = setup();
    assert.equal(cache.knownAbsent('k'), false, 'the wrapped store is not absence-aware');
    const clock = new FakeClock();
    const l1 = new MemoryStore({ now: clock.now });
    const flaky = new MemoryStore({ now: clock.now });
    flaky.getSync = () => {
      throw new Error('down');
    };
    const two = new TieredCache({ tiers: [{ name: 'a', store: l1 }, { name: 'b', store: flaky }], now: clock.now, tierCooldownMs: 1_000 });
    assert.equal(two.knownAbsent('k'), true);
    await two.get('k'); // tier b throws and is suspended
    assert.equal(two.knownAbsent('k'), false);
    clock.advance(1_001);
    assert.equal(two.knownAbsent('k'), true);
    void l2;
  });
});
