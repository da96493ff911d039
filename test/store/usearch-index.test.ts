import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsearchVectorIndex } from '../../src/store/vector/usearch-index.js';
import { exactSearch } from '../../src/store/vector/exact-search.js';
import { isRagdError } from '../../src/errors/ragd-error.js';
import { prng } from '../../bench/prng.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ragd-usearch-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A seeded generator (mulberry32) so every run sees the same vectors. */
const seeded = prng;

function randomUnitVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  const next = seeded(seed);
  return Array.from({ length: count }, () => {
    const v = new Float32Array(dimensions);
    let norm = 0;
    for (let i = 0; i < dimensions; i++) {
      // Box-Muller: Gaussian components give directions uniform on the sphere.
      v[i] = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      norm += v[i]! * v[i]!;
    }
    for (let i = 0; i < dimensions; i++) v[i]! /= Math.sqrt(norm);
    return v;
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Exact top-k labels by cosine similarity among `labels`. */
function bruteForce(vectors: Float32Array[], labels: number[], query: Float32Array, k: number): number[] {
  return labels
    .map((label) => ({ label, score: dot(vectors[label]!, query) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((h) => h.label);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('UsearchVectorIndex search', () => {
  test('recall@10 against brute force is at least 0.9 on random unit vectors', () => {
    const dims = 32;
    const data = randomUnitVectors(3000, dims, 1);
    const queries = randomUnitVectors(100, dims, 2);
    const index = UsearchVectorIndex.create({ dimensions: dims });
    index.add(range(data.length), data);
    assert.equal(index.size(), 3000);
    let found = 0;
    for (const q of queries) {
      const truth = new Set(bruteForce(data, range(data.length), q, 10));
      for (const hit of index.search(q, 10)) if (truth.has(hit.label)) found++;
    }
    const recall = found / (queries.length * 10);
    assert.ok(recall >= 0.9, `recall@10 = ${recall}`);
  });

  test('score is cosine similarity, best first', () => {
    const data = randomUnitVectors(200, 16, 3);
    const index = UsearchVectorIndex.create({ dimensions: 16 });
    index.add(range(200), data);
    const hits = index.search(data[42]!, 5);
    assert.equal(hits[0]!.label, 42);
    assert.ok(Math.abs(hits[0]!.score - 1) < 5e-3, `self-similarity ${hits[0]!.score}`);
    for (let i = 0; i < hits.length; i++) {
      // f16 storage: within ~1e-3 of the exact dot product.
      assert.ok(Math.abs(hits[i]!.score - dot(data[hits[i]!.label]!, data[42]!)) < 5e-3);
      if (i > 0) assert.ok(hits[i - 1]!.score >= hits[i]!.score);
    }
  });

  test('k larger than the index returns everything; empty index and k = 0 return nothing', () => {
    const index = UsearchVectorIndex.create({ dimensions: 8 });
    const q = randomUnitVectors(1, 8, 4)[0]!;
    assert.deepEqual(index.search(q, 10), []);
    index.add([5, 6, 7], randomUnitVectors(3, 8, 5));
    assert.equal(index.search(q, 50).length, 3);
    assert.deepEqual(index.search(q, 0), []);
  });

  test('f32 storage works too', () => {
    const data = randomUnitVectors(100, 16, 6);
    const index = UsearchVectorIndex.create({ dimensions: 16, quantization: 'f32', m: 8, efConstruction: 64, efSearch: 32 });
    index.add(range(100), data);
    const top = index.search(data[7]!, 1)[0]!;
    assert.equal(top.label, 7);
    assert.ok(Math.abs(top.score - 1) < 1e-5);
  });

  test('vectors and queries of the wrong length are rejected', () => {
    const index = UsearchVectorIndex.create({ dimensions: 8 });
    const isMismatch = (err: unknown): boolean => isRagdError(err) && err.code === 'RAGD_ERR_EMBEDDER_MISMATCH';
    assert.throws(() => index.add([1], [new Float32Array(7)]), isMismatch);
    assert.throws(() => index.search(new Float32Array(9), 3), isMismatch);
    assert.throws(() => index.add([1, 2], [new Float32Array(8)]), (err) => isRagdError(err) && err.code === 'RAGD_ERR_INTERNAL');
    assert.throws(() => UsearchVectorIndex.create({ dimensions: 0 }), (err) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG');
  });
});

describe('UsearchVectorIndex updates', () => {
  test('removed labels never come back, and can be added again', () => {
    const data = randomUnitVectors(500, 16, 7);
    const index = UsearchVectorIndex.create({ dimensions: 16 });
    index.add(range(500), data);
    const removed = range(250).map((i) => i * 2);
    index.remove(removed);
    index.remove([9999]);
    assert.equal(index.size(), 250);
    assert.equal(index.has(2), false);
    assert.equal(index.has(3), true);
    const gone = new Set(removed);
    for (const label of removed.slice(0, 20)) {
      // k above the size reaches every live vector the graph links to (all of them, single-threaded).
      // Removal is a tombstone (see usearch-index.ts), so the graph still routes through removed nodes.
      const hits = index.search(data[label]!, 500);
      assert.ok(hits.length >= 200, `${hits.length} live hits`);
      assert.ok(hits.every((h) => !gone.has(h.label)));
    }
    // The store never reuses labels, so adding a removed label again is a replayed add and is ignored.
    index.add([2], [data[2]!]);
    assert.equal(index.has(2), false);
    assert.equal(index.size(), 250);
  });

  test('adding a present label is an idempotent replay (kept as it was); the last duplicate in a batch wins', () => {
    const [a, b, c] = randomUnitVectors(3, 16, 8);
    const index = UsearchVectorIndex.create({ dimensions: 16 });
    index.add([1, 2], [a!, b!]);
    index.add([1], [c!]);
    assert.equal(index.size(), 2);
    assert.ok(index.search(a!, 1).some((h) => h.label === 1 && h.score > 0.99));
    index.add([3, 3], [a!, b!]);
    assert.equal(index.size(), 3);
    assert.ok(index.search(b!, 2).some((h) => h.label === 3 && h.score > 0.99));
  });

  test('capacity grows across many small batches', () => {
    const data = randomUnitVectors(600, 8, 9);
    const index = UsearchVectorIndex.create({ dimensions: 8 });
    for (let i = 0; i < 600; i += 3) index.add([i, i + 1, i + 2], data.slice(i, i + 3));
    assert.equal(index.size(), 600);
    assert.equal(index.search(data[599]!, 1)[0]!.label, 599);
  });

  test('clear drops every vector', () => {
    const index = UsearchVectorIndex.create({ dimensions: 8 });
    const data = randomUnitVectors(10, 8, 10);
    index.add(range(10), data);
    index.clear();
    assert.equal(index.size(), 0);
    assert.equal(index.has(1), false);
    assert.deepEqual(index.search(data[0]!, 3), []);
    index.add([4], [data[4]!]);
    assert.equal(index.search(data[0]!, 3)[0]!.label, 4);
  });
});

describe('UsearchVectorIndex allow filter', () => {
  const data = randomUnitVectors(5000, 16, 11);
  const index = UsearchVectorIndex.create({ dimensions: 16 });
  index.add(range(5000), data);

  test('only 3 allowed labels among 5,000 still returns exactly those 3', () => {
    const allow = new Set([17, 2500, 4999]);
    const query = randomUnitVectors(1, 16, 12)[0]!;
    const hits = index.search(query, 10, { allow });
    assert.deepEqual(
      hits.map((h) => h.label),
      bruteForce(data, [...allow], query, 10),
    );
  });

  test('allowed labels absent from the index are ignored; an empty allow set returns nothing', () => {
    const query = randomUnitVectors(1, 16, 13)[0]!;
    assert.deepEqual(
      index.search(query, 5, { allow: new Set([123, 100_000, 200_000]) }).map((h) => h.label),
      [123],
    );
    assert.deepEqual(index.search(query, 5, { allow: new Set() }), []);
    assert.deepEqual(index.search(query, 5, { allow: new Set([100_000, -1, 2.5]) }), []);
    assert.equal(index.has(-1), false);
  });

  test('a 1% filter (too large to probe) still fills k with the nearest allowed labels', () => {
    const next = seeded(14);
    const allowed = range(5000).filter(() => next() < 0.01);
    const allow = new Set(allowed);
    let found = 0;
    const queries = randomUnitVectors(20, 16, 15);
    for (const q of queries) {
      const hits = index.search(q, 10, { allow });
      assert.equal(hits.length, 10);
      assert.ok(hits.every((h) => allow.has(h.label)));
      const truth = new Set(bruteForce(data, allowed, q, 10));
      found += hits.filter((h) => truth.has(h.label)).length;
    }
    assert.ok(found / (queries.length * 10) >= 0.9, `filtered recall ${found / 200}`);
  });

  test('a filter larger than the probe limit with few present labels widens to the whole index', () => {
    const allow = new Set(range(6000).map((i) => 10_000 + i));
    allow.add(77);
    allow.add(78);
    const hits = index.search(data[77]!, 10, { allow });
    assert.deepEqual(hits.map((h) => h.label).sort((a, b) => a - b), [77, 78]);
  });
});

describe('UsearchVectorIndex files', () => {
  test('save then load gives identical results', async () => {
    const dir = await tempDir();
    const data = randomUnitVectors(1000, 32, 16);
    const index = UsearchVectorIndex.create({ dimensions: 32 });
    index.add(range(1000), data);
    index.remove([3, 4, 5]);
    const path = join(dir, 'vectors.usearch');
    await index.save(path);
    const loaded = await UsearchVectorIndex.load(path, { dimensions: 32 });
    assert.equal(loaded.size(), 997);
    assert.equal(loaded.has(3), false);
    for (const q of randomUnitVectors(10, 32, 17)) assert.deepEqual(loaded.search(q, 10), index.search(q, 10));
    loaded.add([5000], [data[3]!]);
    assert.equal(loaded.search(data[3]!, 1)[0]!.label, 5000);
    assert.deepEqual((await readdir(dir)).sort(), ['vectors.usearch', 'vectors.usearch.deleted.json']);
  });

  test('an empty index round-trips', async () => {
    const path = join(await tempDir(), 'empty.usearch');
    await UsearchVectorIndex.create({ dimensions: 8 }).save(path);
    const loaded = await UsearchVectorIndex.load(path, { dimensions: 8 });
    assert.equal(loaded.size(), 0);
    loaded.add([1], randomUnitVectors(1, 8, 18));
    assert.equal(loaded.size(), 1);
  });

  test('dimension or storage mismatch and corrupt files are rejected with a clear error', async () => {
    const dir = await tempDir();
    const path = join(dir, 'vectors.usearch');
    const index = UsearchVectorIndex.create({ dimensions: 16 });
    index.add(range(300), randomUnitVectors(300, 16, 19));
    await index.save(path);
    const reason = (expected: string) => (err: unknown) =>
      isRagdError(err) && err.code === 'RAGD_ERR_INTERNAL' && err.details?.reason === expected && err.message.includes(path);

    await assert.rejects(UsearchVectorIndex.load(path, { dimensions: 384 }), reason('vector-index-dimension-mismatch'));
    await assert.rejects(UsearchVectorIndex.load(path, { dimensions: 16, quantization: 'f32' }), reason('vector-index-config-mismatch'));

    const good = await readFile(path);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    await writeFile(path, flipped);
    await assert.rejects(UsearchVectorIndex.load(path, { dimensions: 16 }), reason('vector-index-corrupt'));

    await writeFile(path, good.subarray(0, good.length - 100));
    await assert.rejects(UsearchVectorIndex.load(path, { dimensions: 16 }), reason('vector-index-corrupt'));

    await writeFile(path, good.subarray(0, 20));
    await assert.rejects(UsearchVectorIndex.load(path, { dimensions: 16 }), reason('vector-index-corrupt'));

    await assert.rejects(UsearchVectorIndex.load(join(dir, 'missing.usearch'), { dimensions: 16 }), { code: 'ENOENT' });
  });
});

describe('exactSearch', () => {
  test('ranks candidates by exact cosine similarity, ties by label', () => {
    const data = randomUnitVectors(300, 24, 20);
    const query = randomUnitVectors(1, 24, 21)[0]!;
    const labels = range(300).filter((i) => i % 3 === 0);
    const hits = exactSearch(query, labels.map((label) => ({ label, embedding: data[label]! })), 7);
    assert.deepEqual(
      hits.map((h) => h.label),
      bruteForce(data, labels, query, 7),
    );
    hits.forEach((h) => assert.ok(Math.abs(h.score - dot(data[h.label]!, query)) < 1e-6));
    // Cosine, not dot product: scaling a candidate (by a power of two, so exactly) leaves its score
    // unchanged, and the tie goes to the smaller label.
    const scaled = Float32Array.from(data[3]!, (x) => x * 4);
    const [a, b] = exactSearch(query, [{ label: 9, embedding: scaled }, { label: 4, embedding: data[3]! }], 2);
    assert.deepEqual([a!.label, b!.label], [4, 9]);
    assert.equal(a!.score, b!.score);
    assert.deepEqual(exactSearch(query, [{ label: 1, embedding: new Float32Array(24) }], 3), [{ label: 1, score: 0 }]);
    assert.deepEqual(exactSearch(query, [], 3), []);
    assert.throws(() => exactSearch(query, [{ label: 1, embedding: new Float32Array(5) }], 3), (err) => isRagdError(err) && err.code === 'RAGD_ERR_EMBEDDER_MISMATCH');
  });
});

test('long add/remove churn neither hangs nor returns removed labels (tombstones, not native remove)', () => {
  const dims = 32;
  const index = UsearchVectorIndex.create({ dimensions: dims });
  const vec = (seed: number) => {
    const v = new Float32Array(dims);
    for (let i = 0; i < dims; i++) v[i] = Math.sin(seed * 31 + i * 7);
    let n = 0;
    for (const x of v) n += x * x;
    return v.map((x) => x / Math.sqrt(n));
  };
  for (let i = 0; i < 500; i++) index.add([i], [vec(i)]);
  for (let step = 0; step < 10_000; step++) {
    index.remove([step]);
    index.add([500 + step], [vec(500 + step)]);
  }
  assert.equal(index.size(), 500);
  assert.equal(index.has(100), false);
  const hits = index.search(vec(10_400), 10);
  assert.equal(hits.length, 10);
  for (const h of hits) assert.ok(h.label >= 10_000, `removed label ${h.label} returned`);
});
