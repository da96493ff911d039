import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CircuitBreaker, DEFAULT_CIRCUIT_BREAKER, type BreakerPermit, type CircuitState } from '../../src/resilience/circuit-breaker.js';
import { FakeRuntime } from './fake-runtime.js';

type Op =
  | { kind: 'acquire' }
  | { kind: 'settle'; pick: number; outcome: 'success' | 'failure' | 'ignore' }
  | { kind: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Op>({ kind: 'acquire' }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      outcome: fc.oneof(
        { weight: 5, arbitrary: fc.constant('success' as const) },
        { weight: 4, arbitrary: fc.constant('failure' as const) },
        { weight: 1, arbitrary: fc.constant('ignore' as const) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 250_000 }), fc.constantFrom(59_999, 60_000, 90_000, 120_000, 240_000)),
    }),
  },
);

const configArb = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 5 }),
  successThreshold: fc.integer({ min: 1, max: 4 }),
  halfOpenMaxTrials: fc.integer({ min: 1, max: 3 }),
  openMultiplier: fc.constantFrom(1, 1.5, 2),
});

interface Held {
  permit: BreakerPermit;
  /** Which transition epoch (as seen by the listener) the permit was granted in. */
  epoch: number;
}

test('breaker invariants hold for any sequence of calls, outcomes and clock moves', () => {
  fc.assert(
    fc.property(configArb, fc.array(opArb, { minLength: 20, maxLength: 300 }), (config, ops) => {
      const clock = new FakeRuntime();
      const options = { ...DEFAULT_CIRCUIT_BREAKER, ...config, openMs: 60_000, maxOpenMs: 240_000 };
      const breaker = new CircuitBreaker('p', options, clock.now);
      let epoch = 0;
      let state = 'closed' as CircuitState;
      let openUntil = 0;
      let trialSuccesses = 0;
      const held: Held[] = [];

      breaker.onStateChange((change) => {
        assert.equal(change.from, state, 'transitions are reported in order, once each');
        if (change.to === 'closed') {
          assert.equal(change.from, 'half_open', 'closes only from half-open');
          assert.ok(trialSuccesses >= options.successThreshold, 'closes only after k trial successes');
        }
        if (change.to === 'half_open') {
          assert.equal(change.from, 'open');
          assert.ok(clock.now() >= openUntil, 'half-open only after the wait');
          trialSuccesses = 0;
        }
        if (change.to === 'open') openUntil = breaker.snapshot().openUntil!;
        state = change.to;
        epoch += 1;
      });

      for (const op of ops) {
        if (op.kind === 'advance') {
          clock.advance(op.ms);
        } else if (op.kind === 'acquire') {
          const wasOpen = state === 'open' && clock.now() < openUntil;
          try {
            const permit = breaker.acquire();
            assert.ok(!wasOpen, 'no call passes an OPEN breaker before its wait has passed');
            held.push({ permit, epoch });
          } catch {
            // Rejected: fine in any state but CLOSED.
            assert.notEqual(state, 'closed', 'a closed breaker admits every call');
          }
        } else if (held.length > 0) {
          const [h] = held.splice(op.pick % held.length, 1);
          if (op.outcome === 'success' && state === 'half_open' && h!.epoch === epoch) trialSuccesses += 1;
          if (op.outcome === 'failure' && h!.epoch === epoch) trialSuccesses = 0;
          if (op.outcome === 'success') h!.permit.success(1);
          else if (op.outcome === 'failure') h!.permit.failure();
          else h!.permit.ignore();
        }
        const trialsHeld = held.filter((h) => h.epoch === epoch && state === 'half_open').length;
        assert.ok(trialsHeld <= options.halfOpenMaxTrials, 'never more than N concurrent trial calls');
        assert.ok(breaker.snapshot().trialsInFlight <= options.halfOpenMaxTrials);
      }
    }),
    { numRuns: 500 },
  );
});
