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

describe('AnnIndex', () => {
  test('finds live vectors and never returns deleted ones', () => {
    const index = new AnnIndex({ dimensions: 16 });
    for (let i = 0; i < 8; i++) index.add(i, axis(i));
    assert.deepEqual(index.search(axis(3), 1), [{ id: 3, similarity: 1 }]);
    index.delete(3);
    assert.ok(index.search(axis(3), 8).every((m) => m.id !== 3));
    assert.equal(index.size, 7);
    assert.throws(() => index.add(3, axis(3)), RangeError, 'ids are never reused');
    assert.throws(() => index.add(99, new Float32Array(4)), RangeError);
  });

  test('sustained LRU churn stays bounded and correct (usearch#753 never reached)', () => {
    const q = manualQueue();
    const live = 200;
    const index = new AnnIndex({ dimensions: 32, schedule: q.schedule, compactBatch: 16, minDeadToCompact: 32 });
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
    const index = new AnnIndex({ dimensions: 16, schedule: q.schedule, compactBatch: 2, minDeadToCompact: 4 });
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
