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

/**
 * The same two headers for one policy name, built for the request path: the policy name is quoted
 * once, and the `RateLimit-Policy` value (constant per rule) is kept from the last request, so an
 * admitted request costs one short template string and two `reply.header` calls.
 */
export class RateLimitHeaderWriter {
  private readonly name: string;
  private policyLimit = -1;
  private policyWindow = -1;
  private policyValue = '';

  constructor(policy: string) {
    this.name = sfString(policy);
  }

  /** Sets `RateLimit-Policy`, `RateLimit` and, when refused, `Retry-After` on `reply` (a Fastify reply fits). */
  write(result: RateLimitResult, reply: { header(name: string, value: string): unknown }): void {
    if (result.limit !== this.policyLimit || result.windowSeconds !== this.policyWindow) {
      this.policyLimit = result.limit;
      this.policyWindow = result.windowSeconds;
      this.policyValue = `${this.name};q=${result.limit};w=${result.windowSeconds}`;
    }
    reply.header('ratelimit-policy', this.policyValue);
    reply.header('ratelimit', `${this.name};r=${result.remaining};t=${result.allowed ? result.resetSeconds : result.retryAfterSeconds}`);
    if (!result.allowed) reply.header('retry-after', String(result.retryAfterSeconds));
  }
}
