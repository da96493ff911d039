/**
 * ioredis options for a cache client: a cache must fail fast and let the request continue on the
 * other tiers, never queue or retry behind a dead Redis. ioredis' own defaults do the opposite
 * (unbounded offline queue, 20 retries per command, 10 s connect timeout, no command timeout).
 *
 * Example: `new Redis(url, { ...FAST_FAIL_REDIS_OPTIONS })`.
 */
import type { RedisOptions } from 'ioredis';

/** Per-command deadline, ms: Redis answers in well under 1 ms on a LAN, so 250 ms means it is gone. */
export const CACHE_REDIS_COMMAND_TIMEOUT_MS = 250;
/** TCP connect deadline, ms. */
export const CACHE_REDIS_CONNECT_TIMEOUT_MS = 500;
/** Reconnect backoff ceiling, ms: reconnecting keeps going forever, at most this far apart. */
export const CACHE_REDIS_MAX_RECONNECT_DELAY_MS = 1_000;

export const FAST_FAIL_REDIS_OPTIONS = {
  /** While disconnected, commands reject at once instead of waiting in an unbounded queue. */
  enableOfflineQueue: false,
  /** A command cut off by a dropped connection is failed, not resent. */
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: CACHE_REDIS_CONNECT_TIMEOUT_MS,
  commandTimeout: CACHE_REDIS_COMMAND_TIMEOUT_MS,
  /** Reconnect after 100, 200, 400, 800 ms, then every second. */
  retryStrategy: (times: number): number => Math.min(50 * 2 ** Math.min(times, 5), CACHE_REDIS_MAX_RECONNECT_DELAY_MS),
  enableReadyCheck: true,
} as const satisfies RedisOptions;
