/**
 * Rate-limit state in Redis, shared by every replica. One Lua script does GET, the GCRA step and
 * SET atomically, and reads the time from Redis itself (`TIME`), so replicas with skewed clocks
 * still agree and N replicas together admit no more than the limit. Keys expire once they are back
 * at full capacity, so idle clients cost nothing.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GcraDecision, GcraParams } from './gcra.js';
import type { RateLimitStore } from './store.js';

/** Key prefix, so ragd's keys are recognisable and can share a Redis with other data. */
export const DEFAULT_REDIS_KEY_PREFIX = 'ragd:rl:';

/**
 * Transcription of `gcraStep` (gcra.ts); change both together. Returns
 * {allowed, remaining, resetUs, retryAfterUs} as integers. `%.0f` keeps every digit of the µs TAT
 * (Lua's default number formatting would round it to 14 significant digits).
 */
export const GCRA_LUA = `
local T = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local force = ARGV[4] == '1'
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tau = T * burst
local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then tat = math.max(tonumber(stored), now) end
local newTat = math.max(now, tat + T * cost)
local allowAt = newTat - tau
if cost > 0 and not force and now < allowAt then
  return {0, math.floor((now + tau - tat) / T), tat - now, allowAt - now}
end
if newTat > now then
  redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1)
else
  redis.call('DEL', KEYS[1])
end
return {1, math.floor((now + tau - newTat) / T), newTat - now, 0}
`;

const GCRA_SHA = createHash('sha1').update(GCRA_LUA).digest('hex');

export interface RedisRateLimitStoreOptions {
  /** A client made with createRateLimitRedisClient (short timeouts, no offline queue). */
  client: Redis;
  /** Defaults to {@link DEFAULT_REDIS_KEY_PREFIX}. */
  prefix?: string;
}

export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis';
  private readonly client: Redis;
  readonly prefix: string;

  constructor(options: RedisRateLimitStoreOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? DEFAULT_REDIS_KEY_PREFIX;
  }

  /** Rejects when Redis is unreachable, times out or errors; RateLimiter then falls back. */
  async consume(key: string, params: GcraParams): Promise<GcraDecision> {
    const args = [String(params.intervalUs), String(params.burst), String(params.cost), params.force ? '1' : '0'];
    const fullKey = this.prefix + key;
    let reply: unknown;
    try {
      reply = await this.client.evalsha(GCRA_SHA, 1, fullKey, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      reply = await this.client.eval(GCRA_LUA, 1, fullKey, ...args);
    }
    const [allowed, remaining, resetUs, retryAfterUs] = reply as [number, number, number, number];
    return {
      allowed: allowed === 1,
      remaining: Math.min(params.burst, Math.max(0, remaining)),
      resetUs: Math.max(0, resetUs),
      retryAfterUs: Math.max(0, retryAfterUs),
    };
  }
}
