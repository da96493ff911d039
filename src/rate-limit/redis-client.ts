/**
 * An ioredis client configured for rate limiting, where a slow answer is worse than none: commands
 * fail fast (short timeout, no offline queue, no per-command retries) so the limiter falls back to
 * local limits at once, while ioredis keeps reconnecting in the background.
 */
import { Redis } from 'ioredis';

/** A rate-limit check normally takes ~0.2 ms; 50 ms means Redis is in trouble. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 50;
/** Connect timeout: 1 s. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 1_000;
/** Reconnect backoff: 100 ms per attempt, capped at 2 s. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

export interface RateLimitRedisOptions {
  /** Defaults to {@link DEFAULT_REDIS_COMMAND_TIMEOUT_MS}. */
  commandTimeoutMs?: number;
  /** Defaults to {@link DEFAULT_REDIS_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
}

/** `url` like `redis://127.0.0.1:6379/0`. Errors are emitted as events; attach a listener to log them. */
export function createRateLimitRedisClient(url: string, options: RateLimitRedisOptions = {}): Redis {
  return new Redis(url, {
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
}
