/**
 * AnswerCache's two ways to a semantic hit: the fast path taken on a certain exact miss (only
 * in-process tiers, nothing in flight) and the path through getOrCompute (a tier that cannot tell,
 * such as Redis). Both must give the same answers and keep the same books: one exact miss and one
 * semantic hit per paraphrase, and one semantic lookup per question.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AnswerCache, type AnswerRequest, type CachedAnswer } from '../../src/rag/answer-cache.js';
import { CountingCacheEvents } from '../../src/cache/cache-events.js';
import { answerCacheKey } from '../../src/cache/cache-key.js';
import { loadConfig } from '../../src/config/load.js';
import type { Redis } from 'ioredis';
import { axis, near } from './semantic-vectors.js';
import { connectRedis, deleteKeys, redisSkipReason, testPrefix } from './redis-test-support.js';

const redisSkip = await redisSkipReason();

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function answer(text: string): CachedAnswer {
  return { answer: text, deltas: [text], citations: [], mode: 'hybrid', model: 'm', timings: { totalMs: 1 } as CachedAnswer['timings'], degraded: false, reasons: [] };
}

function setup(redis?: Redis) {
  const dir = mkdtempSync(join(tmpdir(), 'answer-cache-'));
  dirs.push(dir);
  const events = new CountingCacheEvents();
  const cache = new AnswerCache(loadConfig({}).cache, dir, events, pino({ level: 'silent' }), redis, () => {});
  let computes = 0;
  const ask = (query: string, vector: Float32Array): AnswerRequest => ({
    key: { tenant: 't', collection: 'c', collectionVersion: 1, query, mode: 'hybrid', topK: 5, embedderModel: 'e', generatorModel: 'g', generatorParams: {} },
    question: query,
    mode: 'use',
    embed: async () => vector,
    compute: async () => {
      computes++;
      return answer(`answer to ${query}`);
    },
  });
  // Counts the calls that go through single-flight and the tier walk.
  const cached = (cache as unknown as { cached: { getOrCompute: (...a: unknown[]) => unknown } }).cached;
  const original = cached.getOrCompute.bind(cached);
  let walks = 0;
  cached.getOrCompute = (...a: unknown[]) => {
    walks++;
    return original(...a);
  };
  return { cache, events, ask, computes: () => computes, walks: () => walks };
}

describe('AnswerCache.freshExact', () => {
  test('serves a fresh exact hit synchronously with the books of an exact hit, and declines everything else', async () => {
    const { cache, events, ask, computes, walks } = setup();
    const first = ask('how do tides work', axis(0));
    assert.equal(cache.freshExact(first), undefined, 'a miss: the caller goes on to answer()');
    assert.equal(first.exactKey, answerCacheKey(first.key), 'the key is kept for answer()');
    assert.equal((await cache.answer(first)).cache, 'miss');
    const again = ask('how do tides work', axis(0));
    const walksBefore = walks();
    const hits = events.hitCount('memory', 'exact');
    const hit = cache.freshExact(again);
    assert.deepEqual([hit?.cache, hit?.value.answer], ['exact', 'answer to how do tides work']);
    assert.equal(events.hitCount('memory', 'exact') - hits, 1);
    assert.equal(walks() - walksBefore, 0);
    assert.equal(computes(), 1);
    assert.equal(cache.freshExact({ ...ask('how do tides work', axis(0)), mode: 'bypass' }), undefined, 'bypass never reads the cache');
    assert.equal(cache.freshExact({ ...ask('how do tides work', axis(0)), mode: 'refresh' }), undefined, 'refresh recomputes');
    assert.equal(cache.freshExact(ask('how do the tides work', near(0, 0.99))), undefined, 'a paraphrase is answer()s to find');
    await cache.close();
  });
});

describe('AnswerCache.semanticNow', () => {
  const now = (req: AnswerRequest, vector: Float32Array | undefined): AnswerRequest => ({ ...req, embedNow: () => ({ vector }) });

  test('a paraphrase is served synchronously with the books of answer()\'s semantic hit', async () => {
    const { cache, events, ask, computes, walks } = setup();
    await cache.answer(ask('how do tides work', axis(0)));
    const lookups = cache.semantic!.stats().lookups;
    const walksBefore = walks();
    const para = now(ask('how do the tides work', near(0, 0.99)), near(0, 0.99));
    assert.equal(cache.freshExact(para), undefined);
    const hit = cache.semanticNow(para);
    assert.deepEqual([hit?.cache, hit?.value.answer], ['semantic', 'answer to how do tides work']);
    assert.equal(walks() - walksBefore, 0);
    assert.equal(computes(), 1);
    assert.equal(cache.semantic!.stats().lookups - lookups, 1);
    assert.equal(events.misses.get('exact'), 2);
    assert.equal(events.hitCount('semantic', 'semantic'), 1);
    await cache.close();
  });

  test('no paraphrase: answer() then computes once without asking the semantic cache again', async () => {
    const { cache, ask, computes } = setup();
    await cache.answer(ask('how do tides work', axis(0)));
    const lookups = cache.semantic!.stats().lookups;
    const other = now(ask('what is a volcano', axis(5)), axis(5));
    assert.equal(cache.semanticNow(other), undefined);
    assert.equal(other.semanticAsked, true);
    const res = await cache.answer(other);
    assert.equal(res.cache, 'miss');
    assert.equal(computes(), 2);
    assert.equal(cache.semantic!.stats().lookups - lookups, 1, 'one lookup for the question');
    assert.equal((await cache.answer(ask('what is a volcano', axis(5)))).cache, 'exact');
    await cache.close();
  });

  test('declines, asking nothing, without an embedding now, for bypass, and when the exact tiers may hold the key', async () => {
    const { cache, ask } = setup();
    await cache.answer(ask('how do tides work', axis(0)));
    const lookups = cache.semantic!.stats().lookups;
    const unavailable = now(ask('how do the tides work', near(0, 0.99)), undefined);
    assert.equal(cache.semanticNow(unavailable), undefined);
    assert.equal(unavailable.semanticAsked, undefined);
    assert.equal(cache.semanticNow({ ...ask('how do the tides work', near(0, 0.99)), embedNow: () => undefined }), undefined);
    assert.equal(cache.semanticNow(ask('how do the tides work', near(0, 0.99))), undefined, 'no embedNow at all');
    assert.equal(cache.semanticNow({ ...now(ask('how do the tides work', near(0, 0.99)), near(0, 0.99)), mode: 'bypass' }), undefined);
    assert.equal(cache.semanticNow(now(ask('how do tides work', axis(0)), axis(0))), undefined, 'its own exact entry: not a certain miss');
    assert.equal(cache.semantic!.stats().lookups, lookups);
    await cache.close();
  });
});

describe('AnswerCache semantic hits', () => {
  test('on a certain exact miss: served from the semantic cache, one exact miss and one semantic hit counted, nothing computed', async () => {
    const { cache, events, ask, computes, walks } = setup();
    const first = await cache.answer(ask('how do tides work', axis(0)));
    assert.equal(first.cache, 'miss');
    assert.equal(computes(), 1);
    const para = ask('how do the tides work', near(0, 0.99));
    assert.equal(cache.tiered.knownAbsent(answerCacheKey(para.key)), true, 'memory and SQLite tiers both know the paraphrase is absent');
    const lookupsBefore = cache.semantic!.stats().lookups;
    const walksBefore = walks();
    const hit = await cache.answer(para);
    assert.equal(walks() - walksBefore, 0, 'the fast path: no single-flight, no tier walk');
    assert.equal(hit.cache, 'semantic');
    assert.equal(hit.value.answer, 'answer to how do tides work');
    assert.equal(computes(), 1);
    assert.equal(cache.semantic!.stats().lookups - lookupsBefore, 1, 'one semantic lookup');
    assert.equal(events.misses.get('exact'), 2, 'the first question and the paraphrase each missed the exact tiers once');
    assert.equal(events.hitCount('semantic', 'semantic'), 1);
    await cache.close();
  });

  test('a real miss asks the semantic cache once, computes once and stores the answer', async () => {
    const { cache, events, ask, computes } = setup();
    await cache.answer(ask('how do tides work', axis(0)));
    const before = cache.semantic!.stats().lookups;
    const other = await cache.answer(ask('what is a volcano', axis(5)));
    assert.equal(other.cache, 'miss');
    assert.equal(computes(), 2);
    assert.equal(cache.semantic!.stats().lookups - before, 1, 'the fast path asked; the compute did not ask again');
    assert.equal(events.misses.get('exact'), 2);
    const again = await cache.answer(ask('what is a volcano', axis(5)));
    assert.equal(again.cache, 'exact');
    await cache.close();
  });

  test('with Redis, which cannot tell, the same hit comes through getOrCompute with the same books', { skip: redisSkip }, async () => {
    const prefix = testPrefix();
    const redis = await connectRedis({ keyPrefix: prefix });
    try {
      const { cache, events, ask, computes, walks } = setup(redis);
      assert.deepEqual(cache.tiered.tierNames, ['memory', 'redis', 'sql']);
      await cache.answer(ask('how do tides work', axis(0)));
      const para = ask('how do the tides work', near(0, 0.99));
      assert.equal(cache.tiered.knownAbsent(answerCacheKey(para.key)), false);
      const before = cache.semantic!.stats().lookups;
      const walksBefore = walks();
      const hit = await cache.answer(para);
      assert.equal(walks() - walksBefore, 1, 'through getOrCompute');
      assert.equal(hit.cache, 'semantic');
      assert.equal(hit.value.answer, 'answer to how do tides work');
      assert.equal(computes(), 1);
      assert.equal(cache.semantic!.stats().lookups - before, 1);
      assert.equal(events.misses.get('exact'), 2);
      assert.equal(events.hitCount('semantic', 'semantic'), 1);
      await cache.close();
    } finally {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  });

  test('its own earlier entry is not a paraphrase: an expired answer to the same question is recomputed, not served as semantic', async () => {
    const { cache, ask, computes } = setup();
    await cache.answer(ask('how do tides work', axis(0)));
    await cache.tiered.delete(answerCacheKey(ask('how do tides work', axis(0)).key));
    const again = await cache.answer(ask('How do tides work?', axis(0)));
    assert.equal(again.cache, 'miss');
    assert.equal(computes(), 2);
    await cache.close();
  });
});
