/**
 * Applies authentication and scope checks to routes. Per route, through its config:
 *   - `config: { scope: 'query' | 'ingest' | 'admin' }`: the scope the route needs (admin implies all);
 *   - `config: { public: true }`: no credentials needed (health, docs);
 *   - `config: { metricsToken: true }`: needs `Authorization: Bearer <RAGD_METRICS_TOKEN>` when that
 *     token is configured, and is public otherwise (Prometheus scrapers send one static bearer token).
 * Any other route needs a valid credential but no particular scope. Sets `request.principal` and
 * `request.tenant`. Failures are thrown as RagdErrors (401 with `WWW-Authenticate: Bearer`, 403) for
 * the app's error handler, and audited; so is every response of an `admin` route.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RagdError, isRagdError } from '../errors/ragd-error.js';
import { routeOf } from '../server/plugins/request-context.js';
import { audit } from './audit.js';
import { PUBLIC_PRINCIPAL, type Authenticator } from './authenticate.js';
import { constantTimeEqual } from './constant-time.js';
import { hasScope, type Principal } from './principal.js';
// Type-only: the route config (`scope`, `public`, `metricsToken`) is declared once, there.
import type {} from '../server/route-config.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth plugin before any handler runs. */
    principal: Principal;
  }
}

export interface AuthPluginOptions {
  authenticator: Authenticator;
  /** RAGD_METRICS_TOKEN: required on `metricsToken` routes when set. */
  metricsToken?: Uint8Array | string | undefined;
}

const REALM = 'Bearer realm="ragd"';

/** The principal of a request that presented the metrics token. */
export const METRICS_PRINCIPAL: Principal = Object.freeze({ kind: 'service', id: 'metrics', tenant: PUBLIC_PRINCIPAL.tenant, scopes: [] }) as Principal;

function bearerToken(request: FastifyRequest): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  return m?.[1];
}

export function registerAuth(app: FastifyInstance, options: AuthPluginOptions): void {
  const { authenticator, metricsToken } = options;
  const failuresAudited = new WeakSet<FastifyRequest>();

  const fail = (request: FastifyRequest, reply: FastifyReply, err: unknown, action: string): never => {
    const attempt = authenticator.describe(request.headers);
    const status = isRagdError(err) ? err.status : 500;
    if (status === 401) reply.header('www-authenticate', attempt.kind === 'none' ? REALM : `${REALM}, error="invalid_token"`);
    failuresAudited.add(request);
    audit(request, {
      action,
      outcome: status === 403 ? 'denied' : 'failure',
      principalKind: attempt.kind,
      principalId: attempt.id,
      reason: isRagdError(err) ? err.message : 'internal error',
    });
    throw err;
  };

  app.decorateRequest('principal', null as unknown as Principal);

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config ?? {};
    let principal: Principal;
    if (config.metricsToken && metricsToken !== undefined) {
      const token = bearerToken(request);
      if (token === undefined || !constantTimeEqual(token, metricsToken)) {
        reply.header('www-authenticate', token === undefined ? REALM : `${REALM}, error="invalid_token"`);
        failuresAudited.add(request);
        audit(request, { action: 'auth.metrics_token', outcome: 'failure', principalKind: 'service', principalId: 'metrics' });
        throw new RagdError('RAGD_ERR_UNAUTHORIZED', 'this endpoint requires the metrics token as Authorization: Bearer <token>');
      }
      principal = METRICS_PRINCIPAL;
    } else if (config.public || config.metricsToken) {
      principal = authenticator.enabled ? PUBLIC_PRINCIPAL : await authenticator.authenticate(request.headers);
    } else {
      try {
        principal = await authenticator.authenticate(request.headers);
      } catch (err) {
        return fail(request, reply, err, 'auth.authenticate');
      }
      if (config.scope !== undefined && !hasScope(principal, config.scope)) {
        reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${config.scope}"`);
        failuresAudited.add(request);
        audit(request, { action: 'auth.authorize', outcome: 'denied', principalKind: principal.kind, principalId: principal.id, tenant: principal.tenant, reason: `missing scope ${config.scope}` });
        throw new RagdError('RAGD_ERR_FORBIDDEN', `this route requires the ${config.scope} scope`, { details: { requiredScope: config.scope } });
      }
    }
    request.principal = principal;
    request.tenant = principal.tenant;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.config?.scope !== 'admin' || failuresAudited.has(request)) return;
    const p = request.principal as Principal | null;
    audit(request, {
      action: `${request.method} ${routeOf(request)}`,
      outcome: reply.statusCode < 400 ? 'success' : 'failure',
      principalKind: p?.kind,
      principalId: p?.id,
      tenant: request.tenant,
      ...(reply.statusCode >= 400 ? { reason: `status ${reply.statusCode}` } : {}),
    });
  });
}
