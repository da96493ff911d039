import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SemanticCache, type ShadowRecord } from '../../src/cache/semantic-cache.js';
import { CountingCacheEvents } from '../../src/cache/cache-events.js';
import { FakeClock } from './fake-clock.js';
import { axis, near } from './semantic-vectors.js';

const P = 'sem:v1:partition-a';
const Q = 'sem:v1:partition-b';

type Options = NonNullable<ConstructorParameters<typeof SemanticCache>[0]>;

/** Every behaviour holds on both search paths of the index: the exact scan (small partitions) and the HNSW graph. */
const INDEX_PATHS: ReadonlyArray<[string, Options['index']]> = [
  ['exact scan', {}],
  ['HNSW graph', { exactScanMaxSize: 0 }],
];

function setupCache(options: Options = {}) {
  const clock = new FakeClock();
  const events = new CountingCacheEvents();
  const similarities: number[] = [];
  const cache = new SemanticCache({ now: clock.now, events, onSimilarity: (s) => similarities.push(s), ...options });
  return { clock, events, similarities, cache };
}

for (const [path, index] of INDEX_PATHS) describe(`SemanticCache (${path})`, () => {
  const setup = (options: Options = {}) => setupCache({ index, ...options });
  test('a paraphrase at or above the threshold hits; below it misses', () => {
    const { cache, similarities } = setup();
    cache.store(P, 'What is the capital of France?', axis(0), { answer: 'Paris' });
    const hit = cache.lookup(P, "what's the capital city of France", near(0, 0.96));
    assert.equal(hit.hit, true);
    assert.deepEqual(hit.hit && [hit.value, hit.cachedQuestion], [{ answer: 'Paris' }, 'What is the capital of France?']);
    assert.equal(cache.lookup(P, 'capital of France?', near(0, 0.9505)).hit, true);
    const miss = cache.lookup(P, 'What is the capital of France?', near(0, 0.94));
    assert.deepEqual([miss.hit, !miss.hit && miss.reason], [false, 'below-threshold']);
    assert.equal(similarities.length, 3);
    assert.ok(Math.abs(similarities[0]! - 0.96) < 1e-5);
  });

  test('pairs differing by negation, number or named entity never hit, even at 0.99', () => {
    const pairs: Array<[string, string, string]> = [
      ['Is aspirin safe during pregnancy?', 'Is aspirin not safe during pregnancy?', 'negation'],
      ['Which plans include roaming?', 'Which plans include no roaming?', 'negation'],
      ["Can I cancel after 30 days?", "Can't I cancel after 30 days?", 'negation'],
      ['Top 5 features of the Pro plan', 'Top 10 features of the Pro plan', 'numbers'],
      ['What changed in version 2?', 'What changed in version 3?', 'numbers'],
      ['Is a two-year warranty included?', 'Is a three-year warranty included?', 'numbers'],
      ['Who is the CEO of Apple?', 'Who is the CEO of Google?', 'entities'],
      ['How do I deploy on AWS?', 'How do I deploy on GCP?', 'entities'],
      ['What does "eventual consistency" mean?', 'What does "strong consistency" mean?', 'entities'],
    ];
    const { cache } = setup();
    pairs.forEach(([cached], i) => cache.store(P, cached, axis(i, 32), `answer ${i}`));
    pairs.forEach(([, asked, reason], i) => {
      const result = cache.lookup(P, asked, near(i, 0.99, i + 16, 32));
      assert.equal(result.hit, false, asked);
      assert.ok(!result.hit && result.reason === 'guards' && result.guardReasons?.includes(reason as never), `${asked}: ${JSON.stringify(result)}`);
    });
    const rejections = cache.stats().guardRejections;
    assert.ok(rejections.negation >= 3 && rejections.numbers >= 3 && rejections.entities >= 3, JSON.stringify(rejections));
  });

  test('when the nearest candidate fails a guard, a farther one that passes is served', () => {
    const { cache } = setup();
    cache.store(P, 'Plans with 5 users', near(0, 0.999), 'five');
    cache.store(P, 'Plans with 10 users', near(0, 0.97), 'ten');
    const result = cache.lookup(P, 'plans for 10 users', axis(0));
    assert.deepEqual(result.hit && result.value, 'ten');
  });

  test('partitions are never crossed, even at similarity 1', () => {
    const { cache } = setup();
    cache.store(P, 'What is RAG?', axis(0), 'in A');
    const other = cache.lookup(Q, 'What is RAG?', axis(0));
    assert.deepEqual([other.hit, !other.hit && other.reason], [false, 'empty']);
    cache.store(Q, 'What is RAG?', axis(0), 'in B');
    assert.deepEqual(cache.lookup(Q, 'What is RAG?', axis(0)).hit && cache.lookup(Q, 'What is RAG?', axis(0)), {
      hit: true,
      value: 'in B',
      similarity: 1,
      cachedQuestion: 'What is RAG?',
    });
    assert.equal(cache.stats().partitions, 2);
  });

  test('entries expire after the TTL and are removed from the index', () => {
    const { cache, clock } = setup({ ttlMs: 1_000 });
    cache.store(P, 'What is RAG?', axis(0), 'a');
    clock.advance(999);
    assert.equal(cache.lookup(P, 'What is RAG?', axis(0)).hit, true);
    clock.advance(1);
    assert.equal(cache.lookup(P, 'What is RAG?', axis(0)).hit, false);
    assert.equal(cache.stats().size, 0);
    assert.equal(cache.stats().partitions, 0, 'an emptied partition drops its index');
  });

  test('LRU eviction across partitions removes entries from their index', () => {
    const { cache, events } = setup({ maxEntries: 2 });
    cache.store(P, 'first question', axis(0), 1);
    cache.store(Q, 'second question', axis(1), 2);
    assert.equal(cache.lookup(P, 'first question', axis(0)).hit, true); // first is now most recent
    cache.store(P, 'third question', axis(2), 3);
    assert.equal(cache.lookup(Q, 'second question', axis(1)).hit, false, 'least recently used went first');
    assert.equal(cache.lookup(P, 'first question', axis(0)).hit, true);
    assert.equal(cache.lookup(P, 'third question', axis(2)).hit, true);
    assert.equal(events.evictions.get('semantic:capacity'), 1);
    assert.deepEqual([cache.stats().size, cache.stats().partitions], [2, 1]);
  });

  test('storing a question again replaces the earlier answer', () => {
    const { cache } = setup();
    cache.store(P, 'What is RAG?', axis(0), 'old');
    cache.store(P, 'what is RAG', axis(0), 'new');
    assert.deepEqual(cache.lookup(P, 'What is RAG?', axis(0)).hit && cache.lookup(P, 'What is RAG?', axis(0)), {
      hit: true,
      value: 'new',
      similarity: 1,
      cachedQuestion: 'what is RAG',
    });
    assert.equal(cache.stats().size, 1);
  });

  test('a request may raise the threshold but never lower it below the floor', () => {
    const { cache } = setup({ threshold: 0.95 });
    cache.store(P, 'What is RAG?', axis(0), 'a');
    assert.equal(cache.lookup(P, 'What is RAG?', near(0, 0.9), { threshold: 0.5 }).hit, false, 'floor holds');
    assert.equal(cache.lookup(P, 'What is RAG?', near(0, 0.96), { threshold: 0.99 }).hit, false, 'raised');
    assert.equal(cache.lookup(P, 'What is RAG?', near(0, 0.995), { threshold: 0.99 }).hit, true);
    assert.equal(cache.stats().threshold, 0.95);
  });

  test('shadow mode records would-be hits and guard outcomes without serving them', () => {
    const records: ShadowRecord[] = [];
    const { cache } = setup({ shadow: true, onShadow: (r) => records.push(r) });
    cache.store(P, 'Is the Pro plan refundable?', axis(0), 'yes');
    const paraphrase = cache.lookup(P, 'is the Pro plan refundable', near(0, 0.98));
    assert.deepEqual([paraphrase.hit, !paraphrase.hit && paraphrase.reason], [false, 'shadow']);
    const negated = cache.lookup(P, 'Is the Pro plan not refundable?', near(0, 0.99));
    assert.deepEqual([negated.hit, !negated.hit && negated.reason], [false, 'guards']);
    cache.lookup(P, 'unrelated', near(0, 0.5));
    const stats = cache.stats();
    assert.deepEqual(stats.shadow, { enabled: true, wouldBeHits: 2, wouldBeHitsGuardsPassed: 1 });
    assert.equal(stats.hits, 0);
    assert.deepEqual(records.map((r) => [r.guardsPassed, r.guardReasons]), [[true, []], [false, ['negation']]]);
  });

  test('invalidatePartition and purgeTag drop whole partitions', () => {
    const { cache } = setup();
    cache.store(P, 'a question', axis(0), 1, { tags: ['collection:t/a'] });
    cache.store(P, 'b question', axis(1), 2, { tags: ['collection:t/a'] });
    cache.store(Q, 'c question', axis(2), 3, { tags: ['collection:t/b'] });
    assert.equal(cache.purgeTag('collection:t/a'), 2);
    assert.equal(cache.lookup(P, 'a question', axis(0)).hit, false);
    assert.equal(cache.lookup(Q, 'c question', axis(2)).hit, true);
    assert.equal(cache.invalidatePartition(Q), 1);
    assert.equal(cache.invalidatePartition(Q), 0);
    assert.equal(cache.stats().size, 0);
    cache.store(Q, 'c question', axis(2), 4);
    assert.equal(cache.lookup(Q, 'c question', axis(2)).hit, true, 'the partition works again after a purge');
  });

  test('stats count lookups, hits and hit rate; a wrong-length embedding misses', () => {
    const { cache, events } = setup();
    cache.store(P, 'What is RAG?', axis(0), 'a');
    cache.lookup(P, 'What is RAG?', axis(0));
    cache.lookup(P, 'What is BM25?', axis(5));
    assert.equal(cache.store(P, 'zero', new Float32Array(16), 'z'), false, 'a zero vector is not stored');
    assert.equal(cache.store(P, 'nan', Float32Array.from({ length: 16 }, () => Number.NaN), 'n'), false);
    const wrong = cache.lookup(P, 'What is RAG?', new Float32Array(4));
    assert.deepEqual([wrong.hit, !wrong.hit && wrong.reason], [false, 'dimension-mismatch']);
    const stats = cache.stats();
    assert.deepEqual([stats.lookups, stats.hits, stats.hitRate, stats.size], [3, 1, 1 / 3, 1]);
    assert.equal(events.hitCount('semantic', 'semantic'), 1);
    assert.equal(events.misses.get('semantic'), 2);
  });
});
