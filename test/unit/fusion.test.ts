import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reciprocalRankFusion } from '../../src/rag/fusion.js';

test('RRF sums 1/(k+rank) over rankings', () => {
  const fused = reciprocalRankFusion([[{ label: 1 }, { label: 2 }, { label: 3 }], [{ label: 3 }, { label: 1 }]], 60, 10);
  const score = (l: number) => fused.find((f) => f.label === l)!.score;
  assert.ok(Math.abs(score(1) - (1 / 61 + 1 / 62)) < 1e-12);
  assert.ok(Math.abs(score(2) - 1 / 62) < 1e-12);
  assert.ok(Math.abs(score(3) - (1 / 63 + 1 / 61)) < 1e-12);
  assert.deepEqual(fused.map((f) => f.label), [1, 3, 2]);
});

test('a document found by both rankings beats one found by a single ranking at the same rank', () => {
  const fused = reciprocalRankFusion([[{ label: 7 }, { label: 8 }], [{ label: 9 }, { label: 8 }]], 60, 10);
  assert.equal(fused[0]!.label, 8);
});

test('limit truncates and ties break by label for stable output', () => {
  const fused = reciprocalRankFusion([[{ label: 5 }], [{ label: 4 }]], 60, 1);
  assert.deepEqual(fused, [{ label: 4, score: 1 / 61 }]);
  assert.deepEqual(reciprocalRankFusion([], 60, 5), []);
});
