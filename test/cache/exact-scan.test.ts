import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExactScan, JS_SCAN_MAX_ROWS } from '../../src/cache/exact-scan.js';
import { SparseQuery } from '../../src/cache/sparse-query.js';
import { randomUnit } from './semantic-vectors.js';

/** The ids a plain JS scan ranks first, for comparison. */
function bruteForce(vectors: Map<number, Float32Array>, query: Float32Array, k: number): number[] {
  const scored = [...vectors].map(([id, v]) => ({ id, s: v.reduce((sum, x, i) => sum + x * query[i]!, 0) }));
  return scored.sort((a, b) => b.s - a.s).slice(0, k).map((m) => m.id);
}

describe('ExactScan', () => {
  test('finds the nearest rows through growth and swap-removal, never a removed id', () => {
    const dims = 24;
    const scan = new ExactScan(dims);
    const live = new Map<number, Float32Array>();
    for (let id = 0; id < 60; id++) {
      live.set(id, randomUnit(id, dims));
      scan.add(id, live.get(id)!);
      if (id % 3 === 2) {
        const victim = id - 2;
        scan.delete(victim);
        live.delete(victim);
      }
      assert.equal(scan.size, live.size);
      for (const probe of [id, Math.floor(id / 2)]) {
        const query = randomUnit(probe, dims);
        assert.deepEqual(scan.search(new SparseQuery(query), 3), bruteForce(live, query, 3), `after ${id}, probe ${probe}`);
      }
    }
    scan.delete(12345); // unknown ids are ignored
    assert.equal(scan.size, live.size);
  });

  test('the JS scan (small scans) and the native one (larger) rank alike, with dimensions not a multiple of four', () => {
    const dims = 10;
    const scan = new ExactScan(dims);
    const live = new Map<number, Float32Array>();
    for (let id = 0; id < JS_SCAN_MAX_ROWS + 8; id++) {
      live.set(id, randomUnit(1_000 + id, dims));
      scan.add(id, live.get(id)!);
      for (const k of [1, 4]) {
        const query = randomUnit(5_000 + id, dims);
        assert.deepEqual(scan.search(new SparseQuery(query), k), bruteForce(live, query, k), `${live.size} rows, k=${k}`);
      }
    }
  });

  test('k larger than the rows, an empty scan, and replacing a row', () => {
    const scan = new ExactScan(8);
    assert.deepEqual(scan.search(new SparseQuery(randomUnit(1, 8)), 4), []);
    scan.add(7, randomUnit(1, 8));
    scan.add(9, randomUnit(2, 8));
    assert.deepEqual(scan.search(new SparseQuery(randomUnit(2, 8)), 10), [9, 7]);
    scan.add(7, randomUnit(2, 8)); // same id, new vector
    assert.equal(scan.size, 2);
    assert.deepEqual(new Set(scan.search(new SparseQuery(randomUnit(2, 8)), 2)), new Set([7, 9]));
    scan.delete(9);
    scan.delete(7);
    assert.deepEqual(scan.search(new SparseQuery(randomUnit(2, 8)), 1), []);
  });
});
