import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reciprocalRankFusion } from '../../src/rag/fusion.js';

/** The definition, sorted in full: the fused list must equal its first `limit` entries exactly. */
function reference(rankings: { label: number }[][], k: number, limit: number): { label: number; score: number }[] {
  const scores = new Map<number, number>();
  for (const ranking of rankings) ranking.forEach((hit, i) => scores.set(hit.label, (scores.get(hit.label) ?? 0) + 1 / (k + i + 1)));
  return [...scores.entries()]
    .map(([label, score]) => ({ label, score }))
    .sort((a, b) => b.score - a.score || a.label - b.label)
    .slice(0, Math.max(0, limit));
}

/** A ranking: distinct labels, in any order. */
const ranking = fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 50 }).map((labels) => labels.map((label) => ({ label })));

describe('reciprocalRankFusion', () => {
  test('selects exactly the top of the fully sorted fusion (scores, order, ties to the smaller label)', () => {
    fc.assert(
      fc.property(fc.array(ranking, { maxLength: 3 }), fc.integer({ min: 0, max: 120 }), fc.constantFrom(1, 60), (rankings, limit, k) => {
        assert.deepEqual(reciprocalRankFusion(rankings, k, limit), reference(rankings, k, limit));
      }),
      { numRuns: 500 },
    );
  });

  test('a limit of 0 or below keeps nothing', () => {
    assert.deepEqual(reciprocalRankFusion([[{ label: 1 }]], 60, 0), []);
    assert.deepEqual(reciprocalRankFusion([[{ label: 1 }]], 60, -3), []);
  });
});
