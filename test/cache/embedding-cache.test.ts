import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddingCache, decodeVector, encodeVector } from '../../src/cache/embedding-cache.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { CountingCacheEvents } from '../../src/cache/cache-events.js';
import { FakeClock } from './fake-clock.js';
import { FailingStore } from './failing-store.js';

const vec = (text: string) => Float32Array.from([text.length, text.charCodeAt(0), 0.5]);

function recorder() {
  const batches: string[][] = [];
  const embed = async (texts: string[]) => {
    batches.push([...texts]);
    return texts.map(vec);
  };
  return { batches, embed };
}

describe('EmbeddingCache', () => {
  test('embeds only misses, once per distinct text, preserving order', async () => {
    const events = new CountingCacheEvents();
    const cache = new EmbeddingCache({ events });
    const { batches, embed } = recorder();
    const first = await cache.embedMany(['a', 'bb', 'a'], 'm1', embed);
    assert.deepEqual(batches, [['a', 'bb']]);
    assert.deepEqual(first, [vec('a'), vec('bb'), vec('a')]);
    const second = await cache.embedMany(['ccc', 'a', 'bb', 'dddd'], 'm1', embed);
    assert.deepEqual(batches[1], ['ccc', 'dddd']);
    assert.deepEqual(second, [vec('ccc'), vec('a'), vec('bb'), vec('dddd')]);
    assert.equal(events.hitCount('memory', 'embedding'), 2);
    assert.equal(events.misses.get('embedding'), 4);
  });

  test('all hits call nothing; models do not share entries', async () => {
    const cache = new EmbeddingCache();
    const { batches, embed } = recorder();
    await cache.embedMany(['x'], 'm1', embed);
    await cache.embedMany(['x'], 'm1', embed);
    assert.equal(batches.length, 1);
    await cache.embedMany(['x'], 'm2', embed);
    assert.equal(batches.length, 2);
  });

  test('texts short and long are cached apart, and a model name or text holding the key separator cannot alias another entry', async () => {
    const cache = new EmbeddingCache();
    const { batches, embed } = recorder();
    const long = 'x'.repeat(5000);
    const texts = ['q', long, `${long}y`, 'a\u0000b', 'b'];
    await cache.embedMany(texts, 'm', embed);
    await cache.embedMany(texts, 'm', embed);
    for (const t of texts) await cache.embedMany([t], 'm', embed);
    assert.equal(batches.length, 1, 'every text, short (its own key) or long (hashed), hit after the first batch');
    // Model "m\0a" with text "b" against model "m" with text "a\0b": the same joined text, different entries.
    await cache.embedMany(['b'], 'm\u0000a', embed);
    assert.equal(batches.length, 2, 'model m\\0a is not model m');
    assert.deepEqual(batches[1], ['b']);
  });

  test('embedOneNow: hits and misses with embedMany\'s books and entries; undefined, counting nothing, when it cannot run now', async () => {
    const events = new CountingCacheEvents();
    const cache = new EmbeddingCache({ events });
    const { batches, embed } = recorder();
    await cache.embedMany(['seen'], 'm', embed);
    let nowCalls = 0;
    const now = (texts: string[]) => {
      nowCalls++;
      return { vectors: texts.map(vec) };
    };
    assert.deepEqual(cache.embedOneNow('seen', 'm', now), vec('seen'), 'a hit from the LRU');
    assert.equal(nowCalls, 0);
    assert.deepEqual(cache.embedOneNow('new', 'm', now), vec('new'));
    assert.equal(nowCalls, 1);
    assert.deepEqual(await cache.embedMany(['new'], 'm', embed), [vec('new')], 'embedMany finds what embedOneNow stored');
    assert.equal(batches.length, 1);
    const counted = [events.hitCount('memory', 'embedding'), events.misses.get('embedding')];
    assert.equal(cache.embedOneNow('other', 'm', () => undefined), undefined);
    assert.deepEqual([events.hitCount('memory', 'embedding'), events.misses.get('embedding')], counted, 'nothing counted');
    assert.throws(() => cache.embedOneNow('boom', 'm', () => { throw new Error('down'); }), /down/);
    assert.equal(events.misses.get('embedding'), (counted[1] ?? 0) + 1, 'a failed embedding is a miss');
    assert.equal(new EmbeddingCache({ store: new MemoryStore() }).embedOneNow('x', 'm', now), undefined, 'a store is read through embedMany');
  });

  test('returned vectors are copies', async () => {
    const cache = new EmbeddingCache();
    const { embed } = recorder();
    const [a] = await cache.embedMany(['x'], 'm', embed);
    a![0] = 999;
    const [b] = await cache.embedMany(['x'], 'm', embed);
    assert.equal(b![0], 1);
  });

  test('entries expire after the TTL and the store is bounded', async () => {
    const clock = new FakeClock();
    const cache = new EmbeddingCache({ now: clock.now, ttlMs: 1_000, store: new MemoryStore({ maxEntries: 2, now: clock.now }) });
    const { batches, embed } = recorder();
    await cache.embedMany(['a', 'b', 'c'], 'm', embed);
    await cache.embedMany(['c'], 'm', embed);
    assert.equal(batches.length, 1);
    await cache.embedMany(['a'], 'm', embed);
    assert.equal(batches.length, 2, 'a was evicted by the bound');
    clock.advance(1_000);
    await cache.embedMany(['c'], 'm', embed);
    assert.equal(batches.length, 3, 'c expired');
  });

  test('the default in-process cache expires after the TTL, is bounded, and reports its evictions', async () => {
    const clock = new FakeClock();
    const events = new CountingCacheEvents();
    const cache = new EmbeddingCache({ now: clock.now, ttlMs: 1_000, maxEntries: 2, events });
    const { batches, embed } = recorder();
    await cache.embedMany(['a', 'b', 'c'], 'm', embed);
    await cache.embedMany(['c'], 'm', embed);
    assert.equal(batches.length, 1);
    assert.equal(events.evictions.get('memory:capacity'), 1);
    await cache.embedMany(['a'], 'm', embed);
    assert.equal(batches.length, 2, 'a was evicted by the bound');
    clock.advance(1_000);
    await cache.embedMany(['c'], 'm', embed);
    assert.equal(batches.length, 3, 'c expired');
  });

  test('one text and a batch share entries, events and copies', async () => {
    const events = new CountingCacheEvents();
    const cache = new EmbeddingCache({ events });
    const { batches, embed } = recorder();
    const [one] = await cache.embedMany(['q'], 'm', embed);
    one![0] = 999;
    assert.deepEqual(await cache.embedMany(['q', 'r'], 'm', embed), [vec('q'), vec('r')]);
    assert.deepEqual(batches, [['q'], ['r']]);
    const [again] = await cache.embedMany(['r'], 'm', embed);
    assert.deepEqual(again, vec('r'));
    assert.equal(batches.length, 2);
    assert.equal(events.hitCount('memory', 'embedding'), 2);
    assert.equal(events.misses.get('embedding'), 2);
    await assert.rejects(new EmbeddingCache().embedMany(['x'], 'm', async () => []), TypeError);
  });

  test('the embedder\'s own array is not the cached one', async () => {
    const cache = new EmbeddingCache();
    const mine = Float32Array.from([1, 2, 3]);
    const [first] = await cache.embedMany(['x'], 'm', async () => [mine]);
    mine[0] = 42;
    first![1] = 42;
    assert.deepEqual(await cache.embedMany(['x'], 'm', async () => []), [Float32Array.from([1, 2, 3])]);
  });

  test('a failing store degrades to embedding everything', async () => {
    const events = new CountingCacheEvents();
    const store = new FailingStore(new MemoryStore());
    store.failing = true;
    const cache = new EmbeddingCache({ store, events, tierName: 'redis' });
    const { embed } = recorder();
    assert.deepEqual(await cache.embedMany(['a', 'b'], 'm', embed), [vec('a'), vec('b')]);
    assert.equal(events.errors.get('redis'), 4);
  });

  test('rejects when embedFn returns the wrong count', async () => {
    const cache = new EmbeddingCache();
    await assert.rejects(cache.embedMany(['a', 'b'], 'm', async () => [vec('a')]), TypeError);
  });

  test('vector encoding round-trips exactly', () => {
    const v = Float32Array.from([0.1, -2.5, 1e-30, 3.4e38]);
    assert.deepEqual(decodeVector(encodeVector(v)), v);
    assert.deepEqual(decodeVector(encodeVector(v.subarray(1, 3))), v.subarray(1, 3));
    assert.equal(decodeVector('AAA='), undefined);
  });
});
