/**
 * Applies authentication and scope checks to routes. Per route, through its config:
 *   - `config: { scope: 'query' | 'ingest' | 'admin' }`: the scope the route needs (admin implies all);
 *   - `config: { public: true }`: no credentials needed (health, docs);
 *   - `config: { metricsToken: true }`: needs `Authorization: Bearer <RAGD_METRICS_TOKEN>` when that
 *     token is configured, and is public otherwise (Prometheus scrapers send one static bearer token).
 * Any other route needs a valid credential but no particular scope. Sets `request.principal` and
 * `request.tenant`. Failures are RagdErrors (401 with `WWW-Authenticate: Bearer`, 403) passed to the
 * app's error handler, and audited; so is every response of an `admin` route.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RagdError, isRagdError } from '../errors/ragd-error.js';
import { routeOf } from '../server/plugins/request-context.js';
import { audit } from './audit.js';
import { ANONYMOUS_PRINCIPAL, PUBLIC_PRINCIPAL, type Authenticator } from './authenticate.js';
import { constantTimeEqual } from './constant-time.js';
import { hasScope, type Principal, type Scope } from './principal.js';
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

  /** Challenges, audits and returns `err` for the hook to fail with. */
  const fail = (request: FastifyRequest, reply: FastifyReply, err: unknown, action: string): Error => {
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
    return err instanceof Error ? err : new Error(String(err));
  };

  /** Checks the route's scope, then sets the principal and its tenant. */
  const admit = (request: FastifyRequest, reply: FastifyReply, principal: Principal, scope: Scope | undefined, done: HookDone): void => {
    if (scope !== undefined && !hasScope(principal, scope)) {
      reply.header('www-authenticate', `${REALM}, error="insufficient_scope", scope="${scope}"`);
      failuresAudited.add(request);
      audit(request, { action: 'auth.authorize', outcome: 'denied', principalKind: principal.kind, principalId: principal.id, tenant: principal.tenant, reason: `missing scope ${scope}` });
      return done(new RagdError('RAGD_ERR_FORBIDDEN', `this route requires the ${scope} scope`, { details: { requiredScope: scope } }));
    }
    request.principal = principal;
    request.tenant = principal.tenant;
    done();
  };

  app.decorateRequest('principal', null as unknown as Principal);

  // Callback style: a credential whose verdict is cached (and auth off) is decided synchronously,
  // with no promise; only a first sight of a key (or a JWT, or an error) waits for `authenticate`.
  app.addHook('onRequest', (request, reply, done) => {
    const config = request.routeOptions.config ?? {};
    if (config.metricsToken && metricsToken !== undefined) {
      const token = bearerToken(request);
      if (token === undefined || !constantTimeEqual(token, metricsToken)) {
        reply.header('www-authenticate', token === undefined ? REALM : `${REALM}, error="invalid_token"`);
        failuresAudited.add(request);
        audit(request, { action: 'auth.metrics_token', outcome: 'failure', principalKind: 'service', principalId: 'metrics' });
        return done(new RagdError('RAGD_ERR_UNAUTHORIZED', 'this endpoint requires the metrics token as Authorization: Bearer <token>'));
      }
      return admit(request, reply, METRICS_PRINCIPAL, undefined, done);
    }
    // Public routes: no credential is looked at while auth is on; with auth off everyone is anonymous.
    if (config.public || config.metricsToken) return admit(request, reply, authenticator.enabled ? PUBLIC_PRINCIPAL : ANONYMOUS_PRINCIPAL, undefined, done);
    const known = authenticator.cached(request.headers);
    if (known !== undefined) return admit(request, reply, known, config.scope, done);
    authenticator.authenticate(request.headers).then(
      (principal) => admit(request, reply, principal, config.scope, done),
      (err: unknown) => done(fail(request, reply, err, 'auth.authenticate')),
    );
  });

  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.config?.scope !== 'admin' || failuresAudited.has(request)) return done();
    const p = request.principal as Principal | null;
    audit(request, {
      action: `${request.method} ${routeOf(request)}`,
      outcome: reply.statusCode < 400 ? 'success' : 'failure',
      principalKind: p?.kind,
      principalId: p?.id,
      tenant: request.tenant,
      ...(reply.statusCode >= 400 ? { reason: `status ${reply.statusCode}` } : {}),
    });
    done();
  });
}

type HookDone = (err?: Error) => void;
