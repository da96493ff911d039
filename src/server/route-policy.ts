/**
 * Default route config by path, so no route is ever left to chance: routes that declare no
 * `scope`/`public`/`metricsToken` (observability routes added by other modules, swagger-ui's static
 * files, the CORS preflight) get one here; what a route declares itself always wins. Anything not
 * listed needs a valid credential (no particular scope) and is rate limited as class `other`.
 *
 * | path                          | config                                             |
 * | ----------------------------- | -------------------------------------------------- |
 * | OPTIONS * (CORS preflight)    | public: browsers send preflights without credentials |
 * | /health/*                     | public: probes and load balancers have no credentials |
 * | /docs/*, /openapi.json        | public: the API description holds no data            |
 * | /dashboard/*                  | public: a static page; its data comes from /metrics* |
 * | /metrics, /metrics/*          | metricsToken, not rate limited (operators must see an overload) |
 * | /api/v1/admin/*               | scope admin, route class admin                       |
 */
import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import './route-config.js';

const PUBLIC_PREFIXES = ['/health', '/docs', '/openapi.json', '/dashboard'];

function under(url: string, prefix: string): boolean {
  return url === prefix || url.startsWith(`${prefix}/`);
}

/** The default config for a route; exported for tests. */
export function defaultRouteConfig(method: string | string[], url: string): FastifyContextConfig {
  const methods = Array.isArray(method) ? method : [method];
  if (methods.every((m) => m === 'OPTIONS')) return { public: true };
  if (PUBLIC_PREFIXES.some((p) => under(url, p))) return { public: true };
  if (under(url, '/metrics')) return { metricsToken: true, rateLimit: false };
  if (under(url, '/api/v1/admin')) return { scope: 'admin', routeClass: 'admin' };
  return {};
}

/** Installs the defaults; call before any route is added (onRoute hooks see only later routes). */
export function registerRoutePolicy(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const own = (route.config ?? {}) as FastifyContextConfig;
    const declared = own.scope !== undefined || own.public !== undefined || own.metricsToken !== undefined;
    const defaults = defaultRouteConfig(route.method, route.url);
    route.config = declared ? { ...pick(defaults, 'routeClass', 'rateLimit'), ...own } : { ...defaults, ...own };
  });
}

function pick(config: FastifyContextConfig, ...keys: (keyof FastifyContextConfig)[]): FastifyContextConfig {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (config[k] !== undefined) out[k] = config[k];
  return out as FastifyContextConfig;
}
