/**
 * Per-route settings read by the edge plugins (authentication in auth/auth-plugin.ts, rate limits in
 * rate-limit/rate-limit-plugin.ts). This is the one declaration of them; the plugins import it.
 * Routes that set none get defaults by path from route-policy.ts.
 */
import type { Scope } from '../auth/principal.js';
import type { RouteClass } from '../rate-limit/route-class.js';

export type { Scope, RouteClass };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a credential needs for this route (`admin` implies every scope). */
    scope?: Scope;
    /** No credential needed (health, docs); never rate limited. */
    public?: boolean;
    /** Guarded by RAGD_METRICS_TOKEN when one is set, public otherwise. */
    metricsToken?: boolean;
    /** Rate-limit class of the route; defaults to `other`. */
    routeClass?: RouteClass;
    /** `false` exempts the route from rate limiting. */
    rateLimit?: false;
  }
}
