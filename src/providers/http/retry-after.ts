/**
 * Retry-After parsing (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Providers send it
 * with 429 and 503; ragd passes it on as `retryAfterSeconds` so callers back off as asked.
 */

/**
 * Seconds to wait according to a Retry-After value, rounded up; `undefined` when absent or
 * unparseable. A date in the past gives 0.
 * @param now Clock for HTTP-date values, epoch ms. Defaults to `Date.now`.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: () => number = Date.now): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  // Fractional seconds are not in the RFC but some proxies send them; round up rather than drop.
  if (/^\d*\.\d+$/.test(raw)) return Math.ceil(Number(raw));
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now()) / 1000));
}
