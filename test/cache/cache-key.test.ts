import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { answerCacheKey, collectionTag, normaliseQuery, semanticPartitionKey, type AnswerKeyInput } from '../../src/cache/cache-key.js';
import { canonicalJson } from '../../src/cache/canonical-json.js';

const base: AnswerKeyInput = {
  tenant: 'acme',
  collection: 'docs',
  collectionVersion: 7,
  query: 'What is RAG?',
  mode: 'hybrid',
  topK: 5,
  filter: { lang: 'en', tags: ['a', 'b'] },
  embedderModel: 'hash-v1',
  generatorModel: 'gpt-4o-mini',
  generatorParams: { temperature: 0.1, maxTokens: 512 },
};

function shuffled<T extends object>(obj: T, order: number[]): T {
  const entries = Object.entries(obj);
  const out: Record<string, unknown> = {};
  const idx = entries.map((_, i) => i).sort((a, b) => (order[a % order.length]! - order[b % order.length]!) || a - b);
  for (const i of idx) {
    const [k, v] = entries[i]!;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? shuffled(v as object, order) : v;
  }
  return out as T;
}

describe('cache keys', () => {
  test('key order in objects does not matter, at any depth', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 12 }), (order) => {
        assert.equal(answerCacheKey(shuffled(base, order)), answerCacheKey(base));
        assert.equal(semanticPartitionKey(shuffled(base, order)), semanticPartitionKey(base));
      }),
    );
  });

  test('canonical JSON sorts keys, keeps array order and drops undefined members', () => {
    assert.equal(canonicalJson({ b: 1, a: [3, { d: undefined, c: null }] }), '{"a":[3,{"c":null}],"b":1}');
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
    assert.throws(() => canonicalJson({ x: Number.NaN }), TypeError);
  });

  test('every field changes the answer key', () => {
    const variants: Array<Partial<AnswerKeyInput>> = [
      { tenant: 'other' },
      { collection: 'other' },
      { collectionVersion: 8 },
      { query: 'What is BM25?' },
      { mode: 'vector' },
      { topK: 6 },
      { filter: { lang: 'de', tags: ['a', 'b'] } },
      { filter: { lang: 'en', tags: ['b', 'a'] } },
      { filter: undefined },
      { embedderModel: 'nomic-embed-text' },
      { generatorModel: 'llama3.2' },
      { generatorParams: { temperature: 0.2, maxTokens: 512 } },
      { generatorParams: { temperature: 0.1, maxTokens: 512, promptVersion: 2 } },
    ];
    const keys = new Set([answerCacheKey(base)]);
    for (const v of variants) keys.add(answerCacheKey({ ...base, ...v }));
    assert.equal(keys.size, variants.length + 1);
  });

  test('the memo of recent keys (frozen parameters, no filter) gives the same keys and still tells every field apart', () => {
    const frozen: AnswerKeyInput = { ...base, filter: undefined, generatorParams: Object.freeze({ temperature: 0.1, maxTokens: 512 }) };
    const plain: AnswerKeyInput = { ...frozen, generatorParams: { temperature: 0.1, maxTokens: 512 } };
    assert.equal(answerCacheKey(frozen), answerCacheKey(plain), 'memoised and computed keys agree');
    assert.equal(answerCacheKey(frozen), answerCacheKey({ ...frozen }), 'a memo hit returns the same key');
    const variants: Array<Partial<AnswerKeyInput>> = [
      { tenant: 'other' },
      { tenant: 'acm', collection: 'edocs' },
      { collectionVersion: 8 },
      { collectionVersion: '7' },
      { query: 'What is BM25?' },
      { mode: 'vector' },
      { topK: 6 },
      { embedderModel: 'nomic-embed-text' },
      { generatorModel: 'llama3.2' },
      { generatorParams: Object.freeze({ temperature: 0.2, maxTokens: 512 }) },
    ];
    const keys = new Set([answerCacheKey(frozen)]);
    for (const v of variants) {
      const key = answerCacheKey({ ...frozen, ...v });
      assert.equal(key, answerCacheKey({ ...frozen, ...v }), 'stable on the second (memoised) call');
      keys.add(key);
    }
    // collectionVersion 7 and '7' are one version (the key stringifies it): one key fewer.
    assert.equal(keys.size, variants.length);
  });

  test('the memo of recent keys stays right when it fills up and is dropped', () => {
    const frozen: AnswerKeyInput = { ...base, filter: undefined, generatorParams: Object.freeze({ temperature: 0.3 }) };
    const plain = (query: string): AnswerKeyInput => ({ ...frozen, query, generatorParams: { temperature: 0.3 } });
    const first = answerCacheKey({ ...frozen, query: 'q0' });
    for (let i = 1; i <= 9000; i++) answerCacheKey({ ...frozen, query: `q${i}` });
    assert.equal(answerCacheKey({ ...frozen, query: 'q0' }), first, 'recomputed after the memo was dropped');
    assert.equal(answerCacheKey(plain('q0')), first, 'and equal to the unmemoised key');
    assert.equal(answerCacheKey({ ...frozen, query: 'q9000' }), answerCacheKey(plain('q9000')));
  });

  test('the semantic partition takes every field but the query', () => {
    assert.equal(semanticPartitionKey(base), semanticPartitionKey({ ...base, query: 'something else' } as AnswerKeyInput));
    for (const v of [{ tenant: 'x' }, { collectionVersion: 8 }, { mode: 'vector' }, { topK: 3 }, { filter: null }, { generatorModel: 'x' }, { generatorParams: {} }, { embedderModel: 'x' }]) {
      assert.notEqual(semanticPartitionKey({ ...base, ...v }), semanticPartitionKey(base), JSON.stringify(v));
    }
  });

  test('query text is normalised: NFKC, case, whitespace, trailing punctuation', () => {
    assert.equal(normaliseQuery('  What   is\tＲＡＧ?! '), 'what is rag');
    assert.equal(normaliseQuery('Ｆｕｌｌ\u00a0width…'), 'full width');
    assert.equal(normaliseQuery('e.g. a.b.c?'), 'e.g. a.b.c', 'inner punctuation stays');
    assert.equal(answerCacheKey({ ...base, query: 'what is rag' }), answerCacheKey({ ...base, query: ' WHAT  is RAG?? ' }));
    assert.notEqual(answerCacheKey({ ...base, query: 'what is rag' }), answerCacheKey({ ...base, query: 'what is a rag' }));
  });

  test('the one-pass ASCII normalisation gives exactly what the general (Unicode regex) path gives', () => {
    const general = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim().replace(/[\p{P}\s]+$/u, '');
    const ascii = fc.string({ unit: fc.constantFrom(...'aZ09 ?!.,;:-_\'"()[]{}#%&*/@\\$+<=>^`|~\t\n'.split('')), maxLength: 40 });
    fc.assert(fc.property(ascii, (text) => assert.equal(normaliseQuery(text), general(text))), { numRuns: 2_000 });
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => assert.equal(normaliseQuery(text), general(text))), { numRuns: 2_000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => assert.equal(normaliseQuery(text), general(text))));
    for (let c = 0; c < 128; c++) {
      const text = `what is rag${String.fromCharCode(c)}`;
      assert.equal(normaliseQuery(text), general(text), `trailing char ${c}`);
    }
    assert.equal(normaliseQuery(''), '');
    assert.equal(normaliseQuery('What is RAG ?!'), 'what is rag');
  });

  test('the partition memo (no filter, frozen parameters) gives the same keys as computing them', () => {
    const frozen: AnswerKeyInput = { ...base, filter: undefined, generatorParams: Object.freeze({ temperature: 0.1, maxTokens: 512 }) };
    const plain: AnswerKeyInput = { ...frozen, generatorParams: { temperature: 0.1, maxTokens: 512 } };
    for (let i = 0; i < 3; i++) {
      assert.equal(semanticPartitionKey(frozen), semanticPartitionKey(plain));
      assert.equal(answerCacheKey({ ...frozen, query: `question ${i}` }), answerCacheKey({ ...plain, query: `question ${i}` }));
    }
    assert.notEqual(semanticPartitionKey({ ...frozen, collectionVersion: 8 }), semanticPartitionKey(frozen));
    assert.notEqual(semanticPartitionKey({ ...frozen, tenant: 'acm', collection: 'edocs' }), semanticPartitionKey(frozen));
  });

  test('keys look like namespaced sha256 hex', () => {
    assert.match(answerCacheKey(base), /^ans:v2:[0-9a-f]{64}$/);
    assert.match(semanticPartitionKey(base), /^sem:v2:[0-9a-f]{64}$/);
    assert.equal(collectionTag('acme', 'my docs'), 'collection:acme/my%20docs');
  });
});
