import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SingleFlight } from '../../src/cache/single-flight.js';

describe('SingleFlight', () => {
  test('concurrent calls share one execution and its result', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release!: (n: number) => void;
    const fn = () => {
      runs++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const calls = Array.from({ length: 100 }, () => flight.do('k', fn));
    assert.equal(flight.size, 1);
    release(42);
    assert.deepEqual(new Set(await Promise.all(calls)), new Set([42]));
    assert.equal(runs, 1);
    assert.equal(flight.size, 0, 'forgotten once settled');
  });

  test('errors are shared and the key is forgotten, so the next call retries', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new Error('boom');
    };
    const results = await Promise.allSettled([flight.do('k', failing), flight.do('k', failing)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(runs, 1);
    assert.equal(await flight.do('k', async () => 7), 7);
  });

  test('property: executions equal distinct keys among calls made before any settles', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1, maxLength: 60 }), async (keys) => {
        const flight = new SingleFlight<string>();
        const runs = new Map<string, number>();
        const gates: Array<() => void> = [];
        const calls = keys.map((key) =>
          flight.do(key, () => {
            runs.set(key, (runs.get(key) ?? 0) + 1);
            return new Promise<string>((resolve) => gates.push(() => resolve(key)));
          }),
        );
        for (const open of gates) open();
        const results = await Promise.all(calls);
        assert.deepEqual(results, keys);
        assert.equal(runs.size, new Set(keys).size);
        for (const n of runs.values()) assert.equal(n, 1);
        assert.equal(flight.size, 0);
      }),
    );
  });
});
