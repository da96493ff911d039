import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SPARSE_MAX_DENSITY, SparseQuery } from '../../src/cache/sparse-query.js';
import { ExactScan } from '../../src/cache/exact-scan.js';
import { randomUnit } from './semantic-vectors.js';

/** randomUnit(seed, dims) with all but `keep` of every 10 components zeroed (then renormalised). */
function sparseUnit(seed: number, dims: number, keep: number): Float32Array {
  const v = randomUnit(seed, dims);
  for (let i = 0; i < dims; i++) if ((i * 7 + seed) % 10 >= keep) v[i] = 0;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

function plainDot(a: Float32Array, b: Float32Array, offset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[offset + i]!;
  return s;
}

describe('SparseQuery', () => {
  test('a mostly-zero vector keeps only its non-zero components, in order, and its products equal the plain sum', () => {
    const dims = 384;
    const v = sparseUnit(3, dims, 2);
    const q = new SparseQuery(v);
    const nonZero = [...v.keys()].filter((i) => v[i] !== 0);
    assert.equal(q.dense, false);
    assert.equal(q.count, nonZero.length);
    assert.deepEqual([...q.positions], nonZero);
    assert.ok(Math.abs(q.norm - 1) < 1e-6, `norm ${q.norm}`);
    // Against rows of a matrix (offsets) and whole vectors, sparse and dense alike.
    const rows = Array.from({ length: 12 }, (_, r) => (r % 2 === 0 ? randomUnit(100 + r, dims) : sparseUnit(100 + r, dims, 3)));
    const matrix = new Float32Array(rows.length * dims);
    rows.forEach((row, r) => matrix.set(row, r * dims));
    rows.forEach((row, r) => {
      const expected = plainDot(v, row);
      assert.ok(Math.abs(q.dot(row) - expected) < 1e-12, `row ${r}: ${q.dot(row)} vs ${expected}`);
      assert.equal(q.dot(matrix, r * dims), q.dot(row), `row ${r} in the matrix`);
    });
  });

  test('a vector above the density bound is kept whole and its products still equal the plain sum (dimensions not a multiple of four)', () => {
    const dims = 387;
    const v = randomUnit(9, dims);
    const q = new SparseQuery(v);
    assert.equal(q.dense, true);
    assert.equal(q.count, dims);
    for (let r = 0; r < 8; r++) {
      const row = randomUnit(200 + r, dims);
      assert.ok(Math.abs(q.dot(row) - plainDot(v, row)) < 1e-12);
    }
    // Exactly at the bound is still sparse; one more non-zero component makes it dense.
    const half = new Float32Array(10).fill(0).map((_, i) => (i < 10 * SPARSE_MAX_DENSITY ? 0.5 : 0));
    assert.equal(new SparseQuery(half).dense, false);
    half[9] = 0.1;
    assert.equal(new SparseQuery(half).dense, true);
  });

  test('a zero vector has no components and norm 0', () => {
    const q = new SparseQuery(new Float32Array(16));
    assert.equal(q.count, 0);
    assert.equal(q.norm, 0);
    assert.equal(q.dot(randomUnit(1, 16)), 0);
  });

  test('ExactScan ranks sparse queries as a brute-force scan does', () => {
    const dims = 96;
    const scan = new ExactScan(dims);
    const live = new Map<number, Float32Array>();
    for (let id = 0; id < 30; id++) {
      live.set(id, sparseUnit(id, dims, 2 + (id % 3)));
      scan.add(id, live.get(id)!);
    }
    for (let probe = 0; probe < 40; probe++) {
      const query = sparseUnit(probe, dims, 2);
      const expected = [...live]
        .map(([id, row]) => ({ id, s: plainDot(query, row) }))
        .sort((a, b) => b.s - a.s || a.id - b.id)
        .slice(0, 4)
        .map((m) => m.id);
      assert.deepEqual(scan.search(new SparseQuery(query), 4), expected, `probe ${probe}`);
    }
  });
});
