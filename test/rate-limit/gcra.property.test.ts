import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gcraStep, intervalFor, MICROS_PER_MINUTE } from '../../src/rate-limit/gcra.js';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-store.js';
import { RateLimiter } from '../../src/rate-limit/limiter.js';

describe('GCRA', () => {
  test('property: in any window of w ms, admitted <= burst + rate * w (memory store, fake clock)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 120_000 })), { minLength: 1, maxLength: 150 }),
        async (ratePerMinute, burst, gaps) => {
          let t = 1_700_000_000_000;
          const limiter = new RateLimiter({ store: new MemoryRateLimitStore({ now: () => t }), now: () => t });
          const admitted: number[] = [];
          for (const gap of gaps) {
            t += gap;
            if ((await limiter.check('k', { ratePerMinute, burst })).allowed) admitted.push(t);
          }
          for (let i = 0; i < admitted.length; i++) {
            for (let j = i; j < admitted.length; j++) {
              const windowMs = admitted[j]! - admitted[i]!;
              assert.ok(j - i + 1 <= burst + (ratePerMinute * windowMs) / 60_000, `${j - i + 1} admitted in ${windowMs} ms at ${ratePerMinute}/min burst ${burst}`);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('property: no under-admission: a fresh key admits exactly `burst` at once, then one per interval', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 200 }), (ratePerMinute, burst) => {
        const T = intervalFor(ratePerMinute);
        const now = 1_000_000_000;
        let tat: number | undefined;
        let admitted = 0;
        for (let i = 0; i < burst + 5; i++) {
          const s = gcraStep(tat, now, { intervalUs: T, burst, cost: 1 });
          if (s.allowed) admitted++;
          tat = s.tatUs;
        }
        assert.equal(admitted, burst);
        const denied = gcraStep(tat, now, { intervalUs: T, burst, cost: 1 });
        assert.equal(denied.allowed, false);
        assert.equal(denied.retryAfterUs, T);
        assert.equal(gcraStep(tat, now + T - 1, { intervalUs: T, burst, cost: 1 }).allowed, false);
        assert.equal(gcraStep(tat, now + T, { intervalUs: T, burst, cost: 1 }).allowed, true);
      }),
      { numRuns: 300 },
    );
  });

  test('exact admission under concurrency: 300 concurrent checks at 100/min burst 100 admit exactly 100', async () => {
    const t = 1_700_000_000_000;
    const limiter = new RateLimiter({ store: new MemoryRateLimitStore({ now: () => t }), now: () => t });
    const results = await Promise.all(Array.from({ length: 300 }, () => limiter.check('c', { ratePerMinute: 100, burst: 100 })));
    assert.equal(results.filter((r) => r.allowed).length, 100);
    const denied = results.find((r) => !r.allowed)!;
    assert.deepEqual([denied.remaining, denied.retryAfterSeconds, denied.limit, denied.windowSeconds], [0, 1, 100, 60]);
  });

  test('remaining counts down, reset is the time back to full', () => {
    const T = intervalFor(60); // 1 s
    let tat: number | undefined;
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = gcraStep(tat, 0, { intervalUs: T, burst: 3, cost: 1 });
      seen.push(s.remaining);
      tat = s.tatUs;
      assert.equal(s.resetUs, (i + 1) * T);
    }
    assert.deepEqual(seen, [2, 1, 0]);
  });

  test('costs: a cost above the burst is never admitted unforced; forced charges create debt; refunds stop at full', () => {
    const T = intervalFor(60);
    assert.equal(gcraStep(undefined, 0, { intervalUs: T, burst: 5, cost: 6 }).allowed, false);
    const debt = gcraStep(undefined, 0, { intervalUs: T, burst: 5, cost: 8, force: true });
    assert.ok(debt.allowed);
    assert.equal(debt.tatUs, 8 * T);
    assert.equal(debt.remaining, 0);
    assert.equal(gcraStep(debt.tatUs, 0, { intervalUs: T, burst: 5, cost: 1 }).retryAfterUs, 4 * T);
    const refund = gcraStep(debt.tatUs, 0, { intervalUs: T, burst: 5, cost: -100 });
    assert.equal(refund.tatUs, undefined);
    assert.equal(refund.remaining, 5);
  });

  test('intervals round up, so the limit can only be stricter', () => {
    assert.equal(intervalFor(7), Math.ceil(MICROS_PER_MINUTE / 7));
    assert.ok(intervalFor(7) * 7 >= MICROS_PER_MINUTE);
    assert.throws(() => intervalFor(0), RangeError);
  });

  test('the memory store is bounded and forgets replenished keys first', async () => {
    let t = 0;
    const store = new MemoryRateLimitStore({ maxKeys: 10, now: () => t });
    const p = { intervalUs: intervalFor(60), burst: 1, cost: 1 };
    for (let i = 0; i < 50; i++) store.consumeSync(`k${i}`, p);
    assert.equal(store.size, 10);
    assert.equal(store.consumeSync('k49', p).allowed, false); // recent key kept its state
    t += 2_000;
    store.consumeSync('fresh', p);
    assert.ok(store.size <= 10);
  });

  test('the memory store keeps recency to the second: a key used again after 1 s outlives older keys, within 1 s it does not move', () => {
    // 1 request per minute: every TAT lies a minute ahead, so eviction goes by recency alone.
    const p = { intervalUs: intervalFor(1), burst: 1, cost: 1 };
    const run = (gapMs: number): boolean => {
      let t = 0;
      const store = new MemoryRateLimitStore({ maxKeys: 3, now: () => t });
      store.consumeSync('hot', p);
      store.consumeSync('k1', p);
      store.consumeSync('k2', p);
      t += gapMs;
      assert.equal(store.consumeSync('hot', p).allowed, false);
      store.consumeSync('k3', p); // over the bound: the oldest entry goes
      return store.consumeSync('hot', p).allowed; // false while 'hot' is remembered
    };
    assert.equal(run(1_000), false, "touched after 1 s: 'hot' was young, k1 went");
    assert.equal(run(500), true, "within 1 s: 'hot' kept its place, was oldest and was forgotten (errs towards admitting)");
  });
});
