import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimitHeaderWriter, rateLimitHeaders, sfString } from '../../src/rate-limit/headers.js';

const base = { limit: 100, remaining: 42, resetSeconds: 17, retryAfterSeconds: 0, windowSeconds: 60, fallback: false };

describe('RateLimit headers (draft-ietf-httpapi-ratelimit-headers)', () => {
  test('admitted: policy and current state as structured fields, no Retry-After', () => {
    assert.deepEqual(rateLimitHeaders('default', { ...base, allowed: true }), {
      'ratelimit-policy': '"default";q=100;w=60',
      ratelimit: '"default";r=42;t=17',
    });
  });

  test('limited: r=0, t equals Retry-After', () => {
    assert.deepEqual(rateLimitHeaders('query', { ...base, allowed: false, remaining: 0, retryAfterSeconds: 3 }), {
      'ratelimit-policy': '"query";q=100;w=60',
      ratelimit: '"query";r=0;t=3',
      'retry-after': '3',
    });
  });

  test('structured field strings escape quotes and backslashes and drop non-ASCII', () => {
    assert.equal(sfString('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(sfString('é'), '"?"');
  });
});

describe('RateLimitHeaderWriter', () => {
  const collect = () => {
    const set: Record<string, string> = {};
    return { set, reply: { header: (name: string, value: string) => (set[name] = value) } };
  };

  test('writes exactly what rateLimitHeaders builds, admitted and limited, as the rule changes', () => {
    const writer = new RateLimitHeaderWriter('query');
    const results = [
      { ...base, allowed: true },
      { ...base, allowed: true, remaining: 41, resetSeconds: 18 },
      { ...base, allowed: false, remaining: 0, retryAfterSeconds: 3 },
      { ...base, allowed: true, limit: 7, windowSeconds: 60, remaining: 6 },
      { ...base, allowed: true, limit: 7, windowSeconds: 30, remaining: 6 },
      { ...base, allowed: true },
    ];
    for (const result of results) {
      const { set, reply } = collect();
      writer.write(result, reply);
      assert.deepEqual(set, rateLimitHeaders('query', result));
    }
  });
});
