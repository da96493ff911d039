import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { citationsJson } from '../../src/rag/citation-json.js';
import type { Citation } from '../../src/rag/types.js';

const citation = fc.record({
  index: fc.integer({ min: 1, max: 20 }),
  documentId: fc.string(),
  chunkId: fc.constantFrom('c1', 'c2', 'c3'),
  title: fc.string(),
  text: fc.string({ unit: 'binary', maxLength: 200 }),
  score: fc.oneof(fc.double(), fc.integer()),
});

describe('citationsJson', () => {
  test('is JSON.stringify of the citations, byte for byte, across reuse of chunk ids with changed fields', () => {
    fc.assert(
      fc.property(fc.array(citation, { maxLength: 8 }), (citations) => {
        assert.equal(citationsJson(citations), JSON.stringify(citations));
      }),
      { numRuns: 500 },
    );
  });

  test('the same chunk cited again reuses its JSON and stays exact', () => {
    const c: Citation = { index: 1, documentId: 'd', chunkId: 'same', title: 'T "quoted"', text: 'line\nbreak \u2028 and \ud800 lone', score: 0.1 };
    assert.equal(citationsJson([c]), JSON.stringify([c]));
    const again = { ...c, index: 2, score: Number.NaN };
    assert.equal(citationsJson([again, c]), JSON.stringify([again, c]));
    const edited = { ...c, text: 'new text' };
    assert.equal(citationsJson([edited]), JSON.stringify([edited]));
  });

  test('members JSON.stringify would drop (undefined) are dropped the same way', () => {
    const odd = [
      { index: 1, documentId: 'd', chunkId: 'u', title: undefined, text: 't', score: 1 },
      { index: 2, documentId: undefined, chunkId: undefined, title: undefined, text: undefined, score: 2 },
      { index: undefined, documentId: 'd', chunkId: 'v', title: '', text: 't', score: undefined },
    ] as unknown as Citation[];
    for (const c of odd) assert.equal(citationsJson([c]), JSON.stringify([c]));
    assert.equal(citationsJson([]), '[]');
  });
});
