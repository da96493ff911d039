import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { shouldRefreshEarly } from '../../src/cache/xfetch.js';

describe('XFetch', () => {
  const expiresAt = 1_000_000;

  test('with random near 1 it never refreshes far from expiry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0.999999, max: 0.9999999999, noNaN: true }), (delta, r) => {
        // -ln(0.999999) * 10 s is 10 ms: anything a second or more before expiry must not refresh.
        assert.equal(shouldRefreshEarly({ now: expiresAt - 1_000, expiresAt, delta, random: () => r }), false);
      }),
    );
  });

  test('always refreshes at or after expiry, whatever random says', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 60_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (late, delta, r) => {
        assert.equal(shouldRefreshEarly({ now: expiresAt + late, expiresAt, delta, random: () => r }), true);
      }),
    );
  });

  test('follows now - delta * beta * ln(random) >= expiry', () => {
    const r = Math.exp(-1); // -ln(r) = 1, so the gap bridged is delta * beta
    assert.equal(shouldRefreshEarly({ now: expiresAt - 500, expiresAt, delta: 500, random: () => r }), true);
    assert.equal(shouldRefreshEarly({ now: expiresAt - 501, expiresAt, delta: 500, random: () => r }), false);
    assert.equal(shouldRefreshEarly({ now: expiresAt - 1_000, expiresAt, delta: 500, beta: 2, random: () => r }), true);
    assert.equal(shouldRefreshEarly({ now: expiresAt - 1, expiresAt, delta: 0, random: () => r }), false, 'free values never refresh early');
  });

  test('random() = 0 is clamped: a finite head start (~745 delta), not NaN or Infinity', () => {
    assert.equal(shouldRefreshEarly({ now: expiresAt - 700, expiresAt, delta: 1, random: () => 0 }), true);
    assert.equal(shouldRefreshEarly({ now: expiresAt - 800, expiresAt, delta: 1, random: () => 0 }), false);
  });
});
