/**
 * Real-Redis test support: reachability probe (skip locally, fail in CI), fast-failing clients and
 * per-test key prefixes that are deleted afterwards (bullmq's habit).
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { FAST_FAIL_REDIS_OPTIONS } from '../../src/cache/redis-options.js';

export const REDIS_HOST = process.env.RAGD_TEST_REDIS_HOST ?? '127.0.0.1';
export const REDIS_PORT = Number(process.env.RAGD_TEST_REDIS_PORT ?? 6379);

/**
 * False when Redis answers PING; otherwise the skip message. With CI=true an unreachable Redis
 * throws instead, so the test file fails rather than silently skipping.
 */
export async function redisSkipReason(): Promise<string | false> {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return false;
  } catch (err) {
    const message = `Redis not reachable at ${REDIS_HOST}:${REDIS_PORT} (${(err as Error).message}); start one to run these tests`;
    if (process.env.CI === 'true') throw new Error(`${message}. CI=true, so this is a failure, not a skip.`);
    return message;
  } finally {
    client.disconnect();
  }
}

/** A connected client with the cache's fast-fail options (overridable). */
export async function connectRedis(overrides: RedisOptions = {}): Promise<Redis> {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, ...FAST_FAIL_REDIS_OPTIONS, lazyConnect: true, ...overrides });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A fresh `test-<uuid>:` prefix. */
export function testPrefix(): string {
  return `test-${randomUUID()}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}
