import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnnIndex } from '../../src/cache/semantic-index.js';
import { axis, randomUnit } from './semantic-vectors.js';

/** A manual scheduler: compaction steps run only when the test drains the queue. */
function manualQueue() {
  const queue: Array<() => void> = [];
  return {
    schedule: (step: () => void) => void queue.push(step),
    runOne: () => queue.shift()?.(),
    drain: () => {
      while (queue.length > 0) queue.shift()!();
    },
    get pending() {
      return queue.length;
    },
  };
}

/** A vector with cosine ~0.99 to `base` (seeded noise), renormalised. */
function nearDuplicate(base: Float32Array, seed: number): Float32Array {
  const noise = randomUnit(seed, base.length);
  const v = base.map((x, i) => x + noise[i]! * 0.1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('AnnIndex', () => {
  for (const [path, exactScanMaxSize] of [['exact scan', 1_000], ['graph', 0]] as const) {
    test(`finds live vectors and never returns deleted ones (${path})`, () => {
      const index = new AnnIndex({ dimensions: 16, exactScanMaxSize });
      for (let i = 0; i < 8; i++) index.add(i, axis(i));
      assert.deepEqual(index.search(axis(3), 1), [{ id: 3, similarity: 1 }]);
      index.delete(3);
      assert.ok(index.search(axis(3), 8).every((m) => m.id !== 3));
      assert.equal(index.size, 7);
      assert.throws(() => index.add(3, axis(3)), RangeError, 'ids are never reused');
      assert.throws(() => index.add(99, new Float32Array(4)), RangeError);
    });
  }

  test('the exact scan and the graph return the same matches and similarities', () => {
    const dims = 64;
    const scan = new AnnIndex({ dimensions: dims, exactScanMaxSize: 1_000 });
    const graph = new AnnIndex({ dimensions: dims, exactScanMaxSize: 0 });
    const vectors = Array.from({ length: 40 }, (_, i) => randomUnit(i + 1, dims));
    vectors.forEach((v, i) => {
      scan.add(i, v);
      graph.add(i, v);
    });
    for (const dead of [3, 17, 30]) {
      scan.delete(dead);
      graph.delete(dead);
    }
    for (let i = 0; i < vectors.length; i++) {
      const query = nearDuplicate(vectors[i]!, 1_000 + i);
      const a = scan.search(query, 4);
      const b = graph.search(query, 4);
      if ([3, 17, 30].includes(i)) {
        assert.ok(a.every((m) => m.id !== i) && b.every((m) => m.id !== i), `dead id ${i} is never returned`);
        continue;
      }
      assert.equal(a[0]!.id, i, `exact scan finds ${i}`);
      assert.ok(a[0]!.similarity > 0.99);
      // The graph is approximate in general, but over 37 vectors its top match is the true one, scored identically.
      assert.deepEqual(b[0], a[0]);
      for (const m of b) assert.equal(m.similarity, a.find((x) => x.id === m.id)?.similarity ?? m.similarity);
    }
  });

  test('switches between the exact scan and the graph by live size, with the same hits either side', () => {
    const dims = 32;
    const index = new AnnIndex({ dimensions: dims, exactScanMaxSize: 4 });
    const reference = new AnnIndex({ dimensions: dims, exactScanMaxSize: 1_000 });
    const live = new Set<number>();
    const check = (label: string) => {
      for (let probe = 0; probe < 12; probe++) {
        const query = nearDuplicate(randomUnit(probe + 50, dims), probe);
        const got = index.search(query, 2);
        const all = reference.search(query, 100);
        // The near-duplicate is found either side; below it the i8 graph may order far neighbours approximately.
        if (live.has(probe)) assert.deepEqual(got[0], all[0], `${label}, probe ${probe}`);
        if (live.size <= 4) assert.deepEqual(got, all.slice(0, 2), `${label}: the exact scan is exact`);
        for (const m of got) assert.deepEqual(m, all.find((x) => x.id === m.id), `${label}: live id, exact similarity`);
      }
    };
    for (let id = 0; id < 12; id++) {
      index.add(id, randomUnit(id + 50, dims));
      reference.add(id, randomUnit(id + 50, dims));
      live.add(id);
      check(`grown to ${live.size}`);
    }
    // Shrink back under the bound (the dense copy is rebuilt), then grow past it again.
    for (const id of [0, 2, 4, 6, 8, 10, 11, 1, 3]) {
      index.delete(id);
      reference.delete(id);
      live.delete(id);
      check(`shrunk to ${live.size}`);
    }
    for (let id = 12; id < 18; id++) {
      index.add(id, randomUnit(id + 50, dims));
      reference.add(id, randomUnit(id + 50, dims));
      live.add(id);
      check(`regrown to ${live.size}`);
    }
  });

  test('sustained LRU churn stays bounded and correct (usearch#753 never reached)', () => {
    const q = manualQueue();
    const live = 200;
    const index = new AnnIndex({ dimensions: 32, schedule: q.schedule, compactBatch: 16, minDeadToCompact: 32, exactScanMaxSize: 0 });
    let maxGraph = 0;
    for (let id = 0; id < 3_000; id++) {
      index.add(id, randomUnit(id, 32));
      if (id >= live) index.delete(id - live);
      if (id % 7 === 0) q.drain();
      maxGraph = Math.max(maxGraph, index.graphSize);
      if (id % 250 === 0) {
        const probe = Math.max(0, id - 5);
        assert.equal(index.search(randomUnit(probe, 32), 1)[0]?.id, probe, `live id ${probe} is found`);
        if (id >= live) assert.ok(index.search(randomUnit(id - live, 32), 5).every((m) => m.id !== id - live));
      }
    }
    assert.equal(index.size, live);
    assert.ok(maxGraph <= 2 * live + 32 + 16 * 7, `graph peaked at ${maxGraph} nodes for ${live} live`);
  });

  test('compaction runs in steps while searches and writes continue', () => {
    const q = manualQueue();
    const index = new AnnIndex({ dimensions: 16, schedule: q.schedule, compactBatch: 2, minDeadToCompact: 4, exactScanMaxSize: 0 });
    for (let i = 0; i < 10; i++) index.add(i, randomUnit(i, 16));
    for (let i = 0; i < 5; i++) index.delete(i);
    assert.equal(index.compacting, true);
    assert.ok(q.pending > 0);
    q.runOne(); // one step, then a write and deletes mid-compaction (one migrated id, one not yet)
    assert.equal(index.compacting, true);
    index.add(100, randomUnit(100, 16));
    index.delete(5);
    index.delete(9);
    q.drain();
    assert.equal(index.compacting, false);
    assert.equal(index.search(randomUnit(100, 16), 1)[0]?.id, 100);
    for (const dead of [5, 9]) assert.ok(index.search(randomUnit(dead, 16), 10).every((m) => m.id !== dead));
    assert.equal(index.size, 4); // 6, 7, 8, 100
    assert.equal(index.search(randomUnit(7, 16), 1)[0]?.id, 7);
  });
});
