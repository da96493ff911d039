/** Per-route settings read by the edge plugins (authentication, rate limits). */
export type Scope = 'query' | 'ingest' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a credential needs for this route. */
    scope?: Scope;
    /** No credential needed (health, docs). */
    public?: boolean;
    /** Rate-limit class of the route. */
    routeClass?: 'query' | 'ingest' | 'search' | 'admin' | 'other';
    /** Guarded by RAGD_METRICS_TOKEN when one is set. */
    metricsToken?: boolean;
  }
}
