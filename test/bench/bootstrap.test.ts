// The bootstrap interval behind benchmark verdicts: deterministic, around the median, and a verdict
// only when the whole interval is on one side of the target.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMedian, median, verdictAtLeast } from '../../bench/bootstrap.js';
import { prng } from '../../bench/prng.js';

describe('bootstrapMedian', () => {
  test('a constant sample has a zero-width interval at its value', () => {
    assert.deepEqual(bootstrapMedian([0.97, 0.97, 0.97, 0.97]), { low: 0.97, median: 0.97, high: 0.97 });
  });

  test('the interval holds the median, lies within the sample, and is the same for the same seed', () => {
    const xs = [0.91, 1.02, 0.95, 0.88, 0.99, 0.97, 1.05, 0.93, 0.96, 0.9, 1.0, 0.94];
    const a = bootstrapMedian(xs, { random: prng(7) });
    const b = bootstrapMedian(xs, { random: prng(7) });
    assert.deepEqual(a, b);
    assert.equal(a.median, median(xs));
    assert.ok(a.low <= a.median && a.median <= a.high, JSON.stringify(a));
    assert.ok(a.low >= Math.min(...xs) && a.high <= Math.max(...xs));
    assert.ok(a.high > a.low, 'a spread sample has a spread interval');
  });

  test('more rounds of the same spread give a narrower interval', () => {
    const rounds = (n: number) => Array.from({ length: n }, (_, i) => 0.95 + 0.05 * Math.sin(i * 2.3));
    const few = bootstrapMedian(rounds(6));
    const many = bootstrapMedian(rounds(200));
    assert.ok(many.high - many.low < few.high - few.low, `${JSON.stringify(few)} vs ${JSON.stringify(many)}`);
  });

  test('an empty sample has NaN bounds', () => {
    const r = bootstrapMedian([]);
    assert.ok(Number.isNaN(r.low) && Number.isNaN(r.median) && Number.isNaN(r.high));
  });
});

describe('verdictAtLeast', () => {
  test('met, MISSED or unsettled by where the interval lies against the floor', () => {
    assert.equal(verdictAtLeast({ low: 0.96, median: 0.98, high: 1.01 }, 0.95), 'met');
    assert.equal(verdictAtLeast({ low: 0.85, median: 0.88, high: 0.94 }, 0.95), 'MISSED');
    assert.equal(verdictAtLeast({ low: 0.9, median: 0.97, high: 1.02 }, 0.95), 'unsettled');
    assert.equal(verdictAtLeast({ low: 0.95, median: 0.95, high: 0.95 }, 0.95), 'met');
  });
});
