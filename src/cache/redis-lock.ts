/**
 * RedisLock: the single-instance Redis lease from the Redis docs ("Distributed locks with Redis",
 * the non-Redlock form): `SET key token NX PX ttl` to take it, and a compare-and-delete Lua script to
 * release it, so a holder whose lease lapsed cannot delete the next holder's lease. One key per
 * command and per script, so it works unchanged on Redis Cluster.
 */
import { randomUUID } from 'node:crypto';
import type { DistributedLock, LockLease } from './distributed-lock.js';
import type { RedisClient } from './redis-store.js';

export interface RedisLockOptions {
  client: RedisClient;
  /** Key prefix. Defaults to `ragd:lock:`. */
  prefix?: string;
  /** Unique token per acquisition. Defaults to crypto.randomUUID. */
  token?: () => string;
}

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisLock implements DistributedLock {
  private readonly client: RedisClient;
  private readonly prefix: string;
  private readonly token: () => string;

  constructor(options: RedisLockOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? 'ragd:lock:';
    this.token = options.token ?? randomUUID;
  }

  async tryAcquire(name: string, ttlMs: number): Promise<LockLease | undefined> {
    const key = this.prefix + name;
    const token = this.token();
    const ok = await this.client.set(key, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    if (ok !== 'OK') return undefined;
    return {
      release: async () => (await this.client.eval(RELEASE_SCRIPT, 1, key, token)) === 1,
    };
  }
}
