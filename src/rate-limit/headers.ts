/**
 * Rate-limit response headers per the IETF httpapi draft "RateLimit header fields for HTTP"
 * (draft-ietf-httpapi-ratelimit-headers-09), as Structured Field lists:
 *   RateLimit-Policy: "query";q=100;w=60    quota q units per w seconds
 *   RateLimit: "query";r=42;t=17            r units left; t seconds until they are replenished
 * plus `Retry-After` (RFC 9110) on a 429. On a 429, `t` is the wait until the next unit is free
 * (equal to Retry-After), which is what a client needs to act on.
 */
import type { RateLimitResult } from './limiter.js';

/** Structured Field String: printable ASCII with `"` and `\` escaped. */
export function sfString(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return `"${printable.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Header names in lower case, as Fastify stores them. */
export function rateLimitHeaders(policy: string, result: RateLimitResult): Record<string, string> {
  const name = sfString(policy);
  const t = result.allowed ? result.resetSeconds : result.retryAfterSeconds;
  const headers: Record<string, string> = {
    'ratelimit-policy': `${name};q=${result.limit};w=${result.windowSeconds}`,
    ratelimit: `${name};r=${result.remaining};t=${t}`,
  };
  if (!result.allowed) headers['retry-after'] = String(result.retryAfterSeconds);
  return headers;
}
