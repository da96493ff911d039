/**
 * Applies request rate limits per caller and route class, after authentication (register it after
 * the auth plugin: hooks run in registration order). The caller is the credential (API key id, JWT
 * tenant + subject, service tenant) or, for anonymous requests, the client IP. An API key's own
 * `rateLimitPerMinute` replaces the class default. Every response carries `RateLimit-Policy` and
 * `RateLimit`; a refusal is RAGD_ERR_RATE_LIMITED (429) with `Retry-After`. Routes opt out with
 * `config: { rateLimit: false }`; `public` routes (health, docs) are never limited.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { RagdError } from '../errors/ragd-error.js';
import type { RateLimitOutcome } from '../observability/metric-names.js';
import { RateLimitHeaderWriter } from './headers.js';
import type { RateLimiter, RateLimitResult, RateLimitRule } from './limiter.js';
import { ROUTE_CLASSES, uniformLimits, isRouteClass, type RouteClass } from './route-class.js';
import { isPromiseLike } from './store.js';
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
  const { limiter, onOutcome } = options;
  const limits = { ...uniformLimits(), ...options.limits };
  // Per class, built once: its default rule, the key prefix and the header writer.
  const classes = Object.fromEntries(
    ROUTE_CLASSES.map((c) => [c, { name: c, rule: limits[c], prefix: `${c}:`, headers: new RateLimitHeaderWriter(c), keys: new WeakMap() }]),
  ) as Record<RouteClass, ClassLimit>;

  /**
   * The limiter key. An API key's principal is one shared object per key (ApiKeyVerifier caches
   * it), so its key string is built once and reused: the limiter's Map then hashes a string it has
   * seen instead of a fresh concatenation. Other principals are usually fresh objects: built each time.
   */
  const keyOf = (limit: ClassLimit, request: FastifyRequest): string => {
    const principal = request.principal as Principal | null;
    if (principal?.kind !== 'api_key') return limit.prefix + rateLimitIdentity(request);
    let key = limit.keys.get(principal);
    if (key === undefined) {
      key = limit.prefix + rateLimitIdentity(request);
      limit.keys.set(principal, key);
    }
    return key;
  };

  const admit = (reply: FastifyReply, limit: ClassLimit, result: RateLimitResult, done: HookDone): void => {
    limit.headers.write(result, reply);
    onOutcome?.(limit.name, result.allowed ? 'admitted' : 'limited');
    if (result.allowed) return done();
    done(
      new RagdError('RAGD_ERR_RATE_LIMITED', `rate limit for ${limit.name} requests exceeded; retry in ${result.retryAfterSeconds} s`, {
        retryAfterSeconds: result.retryAfterSeconds,
        details: { routeClass: limit.name },
      }),
    );
  };
  // Only reachable with a primary and no fallback: admitting beats failing the request.
  const unavailable = (request: FastifyRequest, limit: ClassLimit, err: unknown, done: HookDone): void => {
    request.log.warn({ err, routeClass: limit.name }, 'rate limiter unavailable; request admitted');
    done();
  };

  // Callback style, and no promise at all while the limiter decides in memory.
  app.addHook('onRequest', (request, reply, done) => {
    const config = request.routeOptions.config ?? {};
    if (config.rateLimit === false || config.public === true) return done();
    const limit = classes[isRouteClass(config.routeClass) ? config.routeClass : 'other'];
    const own = (request.principal as Principal | null)?.rateLimitPerMinute;
    const rule = own !== undefined ? { ratePerMinute: own, burst: own } : limit.rule;
    let answer: RateLimitResult | Promise<RateLimitResult>;
    try {
      answer = limiter.decide(keyOf(limit, request), rule);
    } catch (err) {
      return unavailable(request, limit, err, done);
    }
    if (!isPromiseLike(answer)) return admit(reply, limit, answer, done);
    answer.then(
      (result) => admit(reply, limit, result, done),
      (err: unknown) => unavailable(request, limit, err, done),
    );
  });
}

type HookDone = (err?: Error) => void;

interface ClassLimit {
  name: RouteClass;
  rule: RateLimitRule;
  /** `<class>:`, the start of every limiter key of this class. */
  prefix: string;
  headers: RateLimitHeaderWriter;
  /** Limiter keys of API-key principals, see `keyOf`. */
  keys: WeakMap<Principal, string>;
}
