/**
 * Access to the real Redis at 127.0.0.1:6379 for rate-limit tests. When it is unreachable the
 * tests skip with a clear message, except in CI (`CI=true`), where they must fail instead.
 * Each test uses its own key prefix and deletes its keys afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.RAGD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Resolves whether Redis answers PING; in CI an unreachable Redis throws. */
export async function probeRedis(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`Redis is required in CI but ${REDIS_URL} is unreachable: ${(err as Error).message}`);
    return false;
  } finally {
    client.disconnect();
  }
}

/** Skips the calling test (outside CI) when Redis is down; returns true when it did. */
export function skipWithoutRedis(t: TestContext, available: boolean): boolean {
  if (!available) t.skip(`Redis not reachable at ${REDIS_URL}; start it to run this test (in CI it is required)`);
  return !available;
}

export function uniquePrefix(): string {
  return `test-${randomUUID()}:`;
}

/** Deletes every key under `prefix`. */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
