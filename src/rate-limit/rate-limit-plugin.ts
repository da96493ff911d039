/**
 * Applies request rate limits per caller and route class, after authentication (register it after
 * the auth plugin: hooks run in registration order). The caller is the credential (API key id, JWT
 * tenant + subject, service tenant) or, for anonymous requests, the client IP. An API key's own
 * `rateLimitPerMinute` replaces the class default. Every response carries `RateLimit-Policy` and
 * `RateLimit`; a refusal is RAGD_ERR_RATE_LIMITED (429) with `Retry-After`. Routes opt out with
 * `config: { rateLimit: false }`; `public` routes (health, docs) are never limited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { RagdError } from '../errors/ragd-error.js';
import type { RateLimitOutcome } from '../observability/metric-names.js';
import { rateLimitHeaders } from './headers.js';
import type { RateLimiter, RateLimitRule } from './limiter.js';
import { uniformLimits, isRouteClass, type RouteClass } from './route-class.js';
// Type-only: `request.principal`, and the route config (`routeClass`, `rateLimit`, `public`) declared once.
import type {} from '../auth/auth-plugin.js';
import type {} from '../server/route-config.js';

export interface RateLimitPluginOptions {
  limiter: RateLimiter;
  /** Per class; missing classes get 100/min, burst 100. */
  limits?: Partial<Record<RouteClass, RateLimitRule>>;
  /** One call per decision, for `rate_limit_requests_total{route_class,outcome}`. */
  onOutcome?: (routeClass: RouteClass, outcome: RateLimitOutcome) => void;
}

/**
 * Who a request counts against: `key:<id>`, `jwt:<tenant>:<sub>`, `service:<tenant>` or `ip:<ip>`.
 * Also the key to use for the token budget (`tokens:` + identity).
 */
export function rateLimitIdentity(request: Pick<FastifyRequest, 'ip'> & { principal?: Principal | null }): string {
  const p = request.principal;
  switch (p?.kind) {
    case 'api_key':
      return `key:${p.id}`;
    case 'jwt':
      return `jwt:${p.tenant}:${p.id}`;
    case 'service':
      return `service:${p.tenant}`;
    default:
      return `ip:${request.ip}`;
  }
}

export function registerRateLimit(app: FastifyInstance, options: RateLimitPluginOptions): void {
  const limits = { ...uniformLimits(), ...options.limits };
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config ?? {};
    if (config.rateLimit === false || config.public === true) return;
    const routeClass: RouteClass = isRouteClass(config.routeClass) ? config.routeClass : 'other';
    const own = (request.principal as Principal | null)?.rateLimitPerMinute;
    const rule = own !== undefined ? { ratePerMinute: own, burst: own } : limits[routeClass];
    let result;
    try {
      result = await options.limiter.check(`${routeClass}:${rateLimitIdentity(request)}`, rule);
    } catch (err) {
      // Only reachable with a primary and no fallback: admitting beats failing the request.
      request.log.warn({ err, routeClass }, 'rate limiter unavailable; request admitted');
      return;
    }
    reply.headers(rateLimitHeaders(routeClass, result));
    options.onOutcome?.(routeClass, result.allowed ? 'admitted' : 'limited');
    if (!result.allowed) {
      throw new RagdError('RAGD_ERR_RATE_LIMITED', `rate limit for ${routeClass} requests exceeded; retry in ${result.retryAfterSeconds} s`, {
        retryAfterSeconds: result.retryAfterSeconds,
        details: { routeClass },
      });
    }
  });
}
