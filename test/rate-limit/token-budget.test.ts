import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isRagdError } from '../../src/errors/ragd-error.js';
import { RateLimiter } from '../../src/rate-limit/limiter.js';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-store.js';
import { TokenBudget } from '../../src/rate-limit/token-budget.js';

function setup(tokensPerMinute = 1_000) {
  const t = 1_700_000_000_000;
  const limiter = new RateLimiter({ store: new MemoryRateLimitStore({ now: () => t }), now: () => t });
  const budget = new TokenBudget({ limiter, tokensPerMinute });
  const remaining = async (key: string) => (await limiter.check(key, { ratePerMinute: tokensPerMinute, cost: 0 })).remaining;
  return { budget, remaining };
}

describe('token budget', () => {
  test('reserve charges the estimate; settle refunds the unused part', async () => {
    const { budget, remaining } = setup();
    const r = await budget.reserve('tokens:a', 400);
    assert.equal(r.reserved, 400);
    assert.equal(await remaining('tokens:a'), 600);
    await r.settle(150);
    assert.equal(await remaining('tokens:a'), 850);
    await r.settle(999); // idempotent
    assert.equal(r.settled, 150);
    assert.equal(await remaining('tokens:a'), 850);
  });

  test('settle charges an overrun even past the budget; the next reservation then waits', async () => {
    const { budget, remaining } = setup();
    const r = await budget.reserve('tokens:b', 500);
    await r.settle(1_300);
    assert.equal(await remaining('tokens:b'), 0);
    await assert.rejects(budget.reserve('tokens:b', 10), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_RATE_LIMITED' && (err.retryAfterSeconds ?? 0) >= 1);
  });

  test('an estimate above the burst is capped so it can run when the budget is full', async () => {
    const { budget } = setup();
    const r = await budget.reserve('tokens:c', 5_000);
    assert.equal(r.reserved, 1_000);
  });

  test('streams settle with the counted tokens when they end, fail, or are abandoned', async () => {
    const { budget, remaining } = setup();
    async function* chunks(n: number, fail = false) {
      for (let i = 0; i < n; i++) yield { tokens: 10 };
      if (fail) throw new Error('upstream broke');
    }
    const done = await budget.reserve('tokens:s1', 300);
    for await (const _ of done.track(chunks(5), (c) => c.tokens));
    assert.equal(done.settled, 50);
    assert.equal(await remaining('tokens:s1'), 950);

    const failed = await budget.reserve('tokens:s2', 300);
    await assert.rejects(async () => {
      for await (const _ of failed.track(chunks(3, true), (c) => c.tokens));
    });
    assert.equal(failed.settled, 30);

    const abandoned = await budget.reserve('tokens:s3', 300);
    for await (const _ of abandoned.track(chunks(10), (c) => c.tokens)) break;
    assert.equal(abandoned.settled, 10);
    assert.equal(await remaining('tokens:s3'), 990);
  });
});
