import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { RedisStore } from '../../src/cache/redis-store.js';
import { cacheStoreContract } from './cache-store-contract.js';
import { FakeClock } from './fake-clock.js';
import { connectRedis, deleteKeys, redisSkipReason, testPrefix } from './redis-test-support.js';

const skip = await redisSkipReason();
let client: Redis | undefined;
const prefixes: string[] = [];

before(async () => {
  if (!skip) client = await connectRedis();
});
after(async () => {
  if (client === undefined) return;
  for (const prefix of prefixes) await deleteKeys(client, prefix);
  client.disconnect();
});

cacheStoreContract(
  'RedisStore',
  ({ now }) => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    return new RedisStore({ client: client!, prefix, now });
  },
  { skip },
);

describe('RedisStore layout', { skip }, () => {
  test('stores a compact array with a PX TTL and a tag index pruned on write', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const clock = new FakeClock(Date.now());
    const store = new RedisStore({ client: client!, prefix, now: clock.now });
    const now = clock.now();
    await store.set('k', { value: 'v', storedAt: now, expiresAt: now + 1_000, keepUntil: now + 5_000, delta: 3, tags: ['t'] });
    assert.equal(await client!.get(`${prefix}e:k`), JSON.stringify(['v', now, now + 1_000, now + 5_000, 3, ['t']]));
    const pttl = await client!.pttl(`${prefix}e:k`);
    assert.ok(pttl > 0 && pttl <= 5_000, `pttl ${pttl}`);
    assert.ok((await client!.pttl(`${prefix}t:t`)) > 0, 'the tag index expires too');
    clock.advance(6_000);
    await store.set('k2', { value: 'v', storedAt: clock.now(), expiresAt: clock.now() + 1_000, keepUntil: clock.now() + 5_000, delta: 0, tags: ['t'] });
    assert.deepEqual(await client!.zrange(`${prefix}t:t`, 0, -1), [`${prefix}e:k2`], 'members past keepUntil are pruned');
  });

  test('an unreadable value reads as a miss', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const store = new RedisStore({ client: client!, prefix });
    await client!.set(`${prefix}e:bad`, '{not json');
    assert.equal(await store.get('bad'), undefined);
  });
});
