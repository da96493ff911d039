import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { GcraDecision, GcraParams } from '../../src/rate-limit/gcra.js';
import { RateLimiter } from '../../src/rate-limit/limiter.js';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-store.js';
import { isPromiseLike, type RateLimitStore } from '../../src/rate-limit/store.js';

/** A primary store that can be switched off; while up it delegates to a memory store. */
class SwitchableStore implements RateLimitStore {
  readonly kind = 'redis';
  up = true;
  calls = 0;
  constructor(private readonly inner: MemoryRateLimitStore) {}
  async consume(key: string, params: GcraParams): Promise<GcraDecision> {
    this.calls++;
    if (!this.up) throw new Error('connect ECONNREFUSED');
    return this.inner.consume(key, params);
  }
}

describe('RateLimiter fallback', () => {
  test('primary down -> local fallback admits and counts; outage reported once; recovers when the primary returns', async () => {
    let t = 1_700_000_000_000;
    const primary = new SwitchableStore(new MemoryRateLimitStore({ now: () => t }));
    const events: string[] = [];
    let fallbacks = 0;
    const limiter = new RateLimiter({
      store: primary,
      now: () => t,
      retryPrimaryAfterMs: 1_000,
      onFallback: () => fallbacks++,
      onOutage: () => events.push('outage'),
      onRecover: () => events.push('recover'),
    });
    const rule = { ratePerMinute: 60, burst: 3 };
    assert.equal((await limiter.check('k', rule)).fallback, false);
    primary.up = false;
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await limiter.check('k', rule));
    assert.ok(during.every((r) => r.fallback));
    assert.equal(during.filter((r) => r.allowed).length, 3, 'the fallback enforces the same limit locally');
    assert.equal(fallbacks, 5);
    assert.deepEqual(events, ['outage']);
    assert.equal(primary.calls, 2, 'the primary is not hammered while it is down');
    assert.ok(limiter.degraded);
    t += 1_000;
    await limiter.check('k', rule); // probe fails: still degraded, no second outage event
    assert.deepEqual(events, ['outage']);
    primary.up = true;
    t += 1_000;
    const back = await limiter.check('other', rule);
    assert.equal(back.fallback, false);
    assert.deepEqual(events, ['outage', 'recover']);
    assert.ok(!limiter.degraded);
  });

  test('a memory primary has no fallback and its results carry the rule', async () => {
    const t = 0;
    const limiter = new RateLimiter({ store: new MemoryRateLimitStore({ now: () => t }), now: () => t });
    const r = await limiter.check('k', { ratePerMinute: 30 });
    assert.deepEqual(r, { allowed: true, limit: 30, remaining: 29, resetSeconds: 2, retryAfterSeconds: 0, windowSeconds: 60, fallback: false });
  });
});

describe('RateLimiter.decide', () => {
  test('a memory store decides synchronously (no promise); a remote store gives a promise of the same result', async () => {
    let t = 1_700_000_000_000;
    const memory = new RateLimiter({ store: new MemoryRateLimitStore({ now: () => t }), now: () => t });
    const remote = new RateLimiter({ store: new SwitchableStore(new MemoryRateLimitStore({ now: () => t })), now: () => t });
    const rule = { ratePerMinute: 60, burst: 2 };
    const local = memory.decide('k', rule);
    assert.ok(!isPromiseLike(local));
    const pending = remote.decide('k', rule);
    assert.ok(isPromiseLike(pending));
    assert.deepEqual(await pending, local);
    t += 1;
    assert.equal((memory.decide('k', rule) as { allowed: boolean }).allowed, true);
    assert.equal((memory.decide('k', rule) as { allowed: boolean }).allowed, false);
  });

  test('while the primary is down the memory fallback also decides synchronously', async () => {
    const t = 1_700_000_000_000;
    const primary = new SwitchableStore(new MemoryRateLimitStore({ now: () => t }));
    let fallbacks = 0;
    const limiter = new RateLimiter({ store: primary, now: () => t, onFallback: () => fallbacks++ });
    primary.up = false;
    const first = await limiter.decide('k', { ratePerMinute: 60 });
    assert.equal(first.fallback, true);
    const next = limiter.decide('k', { ratePerMinute: 60 });
    assert.ok(!isPromiseLike(next), 'the primary is skipped during the outage');
    assert.equal(next.fallback, true);
    assert.equal(fallbacks, 2);
  });

  test('a store that throws synchronously counts as failing, like one that rejects', () => {
    const t = 0;
    let outages = 0;
    const throwing: RateLimitStore = {
      kind: 'redis',
      consume: () => {
        throw new Error('boom');
      },
    };
    const limiter = new RateLimiter({ store: throwing, now: () => t, onOutage: () => outages++ });
    const r = limiter.decide('k', { ratePerMinute: 60 });
    assert.ok(!isPromiseLike(r));
    assert.equal(r.fallback, true);
    assert.equal(outages, 1);
  });
});
