/**
 * Child process for the two-process test: waits for "go" on stdin, fires N concurrent checks of
 * one key through its own Redis client and limiter, and prints how many were admitted as JSON.
 * Usage: node --import tsx test/rate-limit/redis-worker.ts <redisUrl> <prefix> <key> <n> <ratePerMinute> <burst>
 */
import { RateLimiter } from '../../src/rate-limit/limiter.js';
import { createRateLimitRedisClient } from '../../src/rate-limit/redis-client.js';
import { RedisRateLimitStore } from '../../src/rate-limit/redis-store.js';

const [url, prefix, key, n, rate, burst] = process.argv.slice(2) as [string, string, string, string, string, string];
const client = createRateLimitRedisClient(url, { commandTimeoutMs: 5_000 });
client.on('error', () => {});
await new Promise<void>((resolve) => client.once('ready', () => resolve()));
let fallbacks = 0;
const limiter = new RateLimiter({ store: new RedisRateLimitStore({ client, prefix }), onFallback: () => fallbacks++ });
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const results = await Promise.all(Array.from({ length: Number(n) }, () => limiter.check(key, { ratePerMinute: Number(rate), burst: Number(burst) })));
  process.stdout.write(`${JSON.stringify({ admitted: results.filter((r) => r.allowed).length, fallbacks })}\n`);
  client.disconnect();
  process.stdin.pause();
});
