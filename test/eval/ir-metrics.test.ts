// Retrieval metrics against hand-computed values (trec_eval definitions).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluateRun,
  ndcgAt,
  recallAt,
  reciprocalRankAt,
  scoreQuery,
  trecOrder,
  type Judgments,
  type RankedDoc,
} from '../../src/eval/ir-metrics.js';
import { collapseToDocuments } from '../../src/eval/collapse.js';
import { percentile, percentiles } from '../../src/eval/percentile.js';

const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);

// Graded judgments: d1 and d4 highly relevant (2), d2 relevant (1), d3 judged not relevant (0).
const graded: Judgments = new Map([
  ['d1', 2],
  ['d2', 1],
  ['d3', 0],
  ['d4', 2],
]);
// Ranked: d3 (grade 0), d1 (2), d5 (unjudged), d2 (1). d4 is never retrieved.
const ranked: RankedDoc[] = [
  { docId: 'd3', score: 0.9 },
  { docId: 'd1', score: 0.8 },
  { docId: 'd5', score: 0.7 },
  { docId: 'd2', score: 0.6 },
];
// Ideal ranking from ALL positive judgments: grades 2, 2, 1.
const IDCG = 2 / Math.log2(2) + 2 / Math.log2(3) + 1 / Math.log2(4);

describe('nDCG@k', () => {
  test('linear gain, log2(rank + 1) discount, ideal from all positive judgments', () => {
    // DCG@3 = 0/log2(2) + 2/log2(3) + 0/log2(4)
    close(ndcgAt(ranked, graded, 3), 2 / Math.log2(3) / IDCG);
    // DCG@10 adds d2 (gain 1) at rank 4: 1/log2(5); the ideal still has only three positives.
    close(ndcgAt(ranked, graded, 10), (2 / Math.log2(3) + 1 / Math.log2(5)) / IDCG);
  });

  test('k truncates both the ranking and the ideal', () => {
    close(ndcgAt(ranked, graded, 1), 0); // rank 1 is d3, grade 0
    // k = 2: DCG = 2/log2(3); ideal = 2/1 + 2/log2(3)
    close(ndcgAt(ranked, graded, 2), 2 / Math.log2(3) / (2 + 2 / Math.log2(3)));
  });

  test('an unretrieved positive judgment keeps nDCG below 1', () => {
    const top = [
      { docId: 'd1', score: 3 },
      { docId: 'd4', score: 2 },
      { docId: 'd2', score: 1 },
    ];
    close(ndcgAt(top, graded, 10), 1);
    close(ndcgAt(top.slice(0, 2), graded, 10), (2 + 2 / Math.log2(3)) / IDCG);
  });

  test('negative grades count as zero gain', () => {
    const j: Judgments = new Map([
      ['a', -1],
      ['b', 1],
    ]);
    close(
      ndcgAt(
        [
          { docId: 'a', score: 2 },
          { docId: 'b', score: 1 },
        ],
        j,
        10,
      ),
      1 / Math.log2(3),
    );
  });
});

describe('Recall@k and MRR@k', () => {
  test('recall counts grade > 0 within k over all positives', () => {
    close(recallAt(ranked, graded, 1), 0);
    close(recallAt(ranked, graded, 3), 1 / 3);
    close(recallAt(ranked, graded, 4), 2 / 3);
    close(recallAt(ranked, graded, 100), 2 / 3);
  });

  test('MRR is 1/rank of the first relevant document within k, else 0', () => {
    close(reciprocalRankAt(ranked, graded, 10), 1 / 2);
    close(reciprocalRankAt(ranked, graded, 1), 0);
    close(reciprocalRankAt([], graded, 10), 0);
  });

  test('k must be a positive integer', () => {
    assert.throws(() => recallAt(ranked, graded, 0), RangeError);
    assert.throws(() => ndcgAt(ranked, graded, 2.5), RangeError);
  });
});

describe('trec_eval ordering', () => {
  test('sorts by score descending, ignoring the given order', () => {
    const shuffled = [ranked[2], ranked[0], ranked[3], ranked[1]] as RankedDoc[];
    assert.deepEqual(scoreQuery(shuffled, graded), scoreQuery(ranked, graded));
  });

  test('ties are broken by document id descending (string compare)', () => {
    const tied = [
      { docId: 'a', score: 1 },
      { docId: 'b', score: 1 },
      { docId: 'c', score: 2 },
      { docId: '10', score: 0.5 },
      { docId: '9', score: 0.5 },
    ];
    assert.deepEqual(
      trecOrder(tied).map((r) => r.docId),
      ['c', 'b', 'a', '9', '10'],
    );
    // With only "a" relevant, the tie puts it third; with only "b", second.
    close(reciprocalRankAt(tied, new Map([['a', 1]]), 10), 1 / 3);
    close(reciprocalRankAt(tied, new Map([['b', 1]]), 10), 1 / 2);
    // The tie also decides what falls inside k.
    close(recallAt(tied, new Map([['a', 1]]), 2), 0);
  });

  test('rejects duplicate documents and NaN scores', () => {
    assert.throws(
      () =>
        trecOrder([
          { docId: 'a', score: 1 },
          { docId: 'a', score: 0 },
        ]),
      /twice/,
    );
    assert.throws(() => trecOrder([{ docId: 'a', score: Number.NaN }]), /NaN/);
  });
});

describe('evaluateRun', () => {
  test('averages over queries with a positive judgment only; excluded ones are listed', () => {
    const qrels = new Map<string, Judgments>([
      ['q1', new Map([['a', 1]])],
      ['q2', new Map([['b', 0]])], // no positive judgment: excluded
      ['q3', new Map([['c', 2]])], // missing from the run: scores 0
    ]);
    const run = new Map<string, RankedDoc[]>([
      ['q1', [{ docId: 'a', score: 1 }]],
      ['q2', [{ docId: 'b', score: 1 }]],
      ['q9', [{ docId: 'z', score: 1 }]], // not judged: ignored
    ]);
    const r = evaluateRun(run, qrels);
    assert.equal(r.queries, 2);
    assert.deepEqual(r.excluded, ['q2']);
    close(r.mean['ndcg@10'] ?? -1, 0.5);
    close(r.mean['recall@100'] ?? -1, 0.5);
    close(r.mean['mrr@10'] ?? -1, 0.5);
    assert.equal(r.perQuery.get('q3')?.['ndcg@10'], 0);
    assert.equal(r.perQuery.has('q2'), false);
  });

  test('no scorable query gives zero averages', () => {
    const r = evaluateRun(new Map(), new Map([['q', new Map([['a', 0]])]]));
    assert.equal(r.queries, 0);
    assert.equal(r.mean['ndcg@10'], 0);
  });
});

describe('collapseToDocuments', () => {
  test('keeps the first (best-ranked) chunk of each document', () => {
    const hits = [
      { documentId: 'a', score: 0.9 },
      { documentId: 'b', score: 0.8 },
      { documentId: 'a', score: 0.7 },
      { documentId: 'c', score: 0.6 },
      { documentId: 'b', score: 0.5 },
    ];
    assert.deepEqual(collapseToDocuments(hits), [
      { docId: 'a', score: 0.9 },
      { docId: 'b', score: 0.8 },
      { docId: 'c', score: 0.6 },
    ]);
    assert.deepEqual(
      collapseToDocuments(hits, 2).map((d) => d.docId),
      ['a', 'b'],
    );
    assert.deepEqual(collapseToDocuments([]), []);
  });
});

describe('percentile', () => {
  test('nearest rank, unsorted input, empty input', () => {
    assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
    assert.deepEqual(percentiles([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], [50, 95, 99, 100]), [50, 100, 100, 100]);
    assert.equal(percentile([], 99), 0);
    assert.throws(() => percentile([1], 0), RangeError);
  });
});
