/**
 * Route classes: groups of routes that share a limit, so a burst of cheap searches cannot starve
 * ingestion and vice versa. Routes name theirs in config (`config: { routeClass: 'query' }`).
 */
import type { RateLimitRule } from './limiter.js';

export const ROUTE_CLASSES = ['query', 'ingest', 'search', 'admin', 'other'] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/** RAGD_RATE_LIMIT_PER_MINUTE: 100 requests per minute per credential (per IP when anonymous) and route class. */
export const DEFAULT_RATE_PER_MINUTE = 100;
/** RAGD_RATE_LIMIT_BURST: a full minute's worth may arrive at once after a quiet minute. */
export const DEFAULT_BURST = DEFAULT_RATE_PER_MINUTE;

export function isRouteClass(value: unknown): value is RouteClass {
  return typeof value === 'string' && (ROUTE_CLASSES as readonly string[]).includes(value);
}

/** The same rule for every class. */
export function uniformLimits(rule: RateLimitRule = { ratePerMinute: DEFAULT_RATE_PER_MINUTE, burst: DEFAULT_BURST }): Record<RouteClass, RateLimitRule> {
  return Object.fromEntries(ROUTE_CLASSES.map((c) => [c, rule])) as Record<RouteClass, RateLimitRule>;
}
