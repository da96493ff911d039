/**
 * Measures GCRA check latency, memory store vs Redis: 10,000 sequential `RateLimiter.check` calls
 * each (after 1,000 warm-up calls), reporting median and p99 in microseconds. Not a test (no
 * timing assertions anywhere); run by hand:
 *   node --import tsx test/rate-limit/measure-latency.ts [redisUrl]
 */
import { RateLimiter } from '../../src/rate-limit/limiter.js';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-store.js';
import { createRateLimitRedisClient } from '../../src/rate-limit/redis-client.js';
import { RedisRateLimitStore } from '../../src/rate-limit/redis-store.js';
import { deletePrefix, uniquePrefix } from './redis-helper.js';

const N = 10_000;
const WARMUP = 1_000;

async function measure(limiter: RateLimiter): Promise<{ medianUs: number; p99Us: number }> {
  const rule = { ratePerMinute: 1_000_000, burst: 1_000_000 };
  for (let i = 0; i < WARMUP; i++) await limiter.check(`k${i % 100}`, rule);
  const samples = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const start = process.hrtime.bigint();
    await limiter.check(`k${i % 100}`, rule);
    samples[i] = Number(process.hrtime.bigint() - start) / 1_000;
  }
  samples.sort();
  const at = (q: number) => Math.round(samples[Math.min(N - 1, Math.floor(q * N))]! * 10) / 10;
  return { medianUs: at(0.5), p99Us: at(0.99) };
}

const memory = await measure(new RateLimiter({ store: new MemoryRateLimitStore() }));
console.log(JSON.stringify({ store: 'memory', checks: N, ...memory }));

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const client = createRateLimitRedisClient(url, { commandTimeoutMs: 1_000 });
client.on('error', () => {});
await new Promise<void>((resolve) => client.once('ready', () => resolve()));
const prefix = uniquePrefix();
let fallbacks = 0;
const redis = await measure(new RateLimiter({ store: new RedisRateLimitStore({ client, prefix }), onFallback: () => fallbacks++ }));
console.log(JSON.stringify({ store: 'redis', checks: N, ...redis, fallbacks }));
await deletePrefix(client, prefix);
client.disconnect();
