/**
 * Registers the edge on the app, in the order requests meet it (after load shedding, the cheapest
 * refusal, which app.ts registers first): default route policy, security headers, CORS and
 * compression, then authentication (which sets the principal and its tenant), then rate limits (which need the principal), then the OpenAPI
 * document and the admin key routes. Call before any resource route is added.
 */
import type { FastifyInstance } from 'fastify';
import { registerAuth } from '../auth/auth-plugin.js';
import { TENANT_HEADER, tenantFor } from '../auth/tenant.js';
import { registerRateLimit } from '../rate-limit/rate-limit-plugin.js';
import { uniformLimits } from '../rate-limit/route-class.js';
import { RAGD_VERSION, type Runtime } from '../runtime.js';
import type { Edge } from './edge.js';
import { registerHttpHygiene } from './http-hygiene.js';
import { registerOpenApi } from './openapi.js';
import { registerRoutePolicy } from './route-policy.js';
import { registerKeyRoutes } from './routes/keys.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Authentication, rate limiting and token budget of this server (see edge.ts). */
    edge: Edge;
  }
}

export async function registerEdge(app: FastifyInstance, rt: Runtime, edge: Edge): Promise<void> {
  app.decorate('edge', edge);
  registerRoutePolicy(app);
  await registerHttpHygiene(app, { corsOrigins: rt.config.cors.origins, compression: rt.config.compression });
  registerAuth(app, { authenticator: edge.authenticator, metricsToken: edge.metricsToken });
  // An admin (or the service token, or anyone while auth is off) may act for another tenant by naming
  // it in X-Tenant; everyone else always acts for their own, whatever they send.
  app.addHook('onRequest', (request, _reply, done) => {
    const requested = request.headers[TENANT_HEADER];
    if (typeof requested !== 'string' || !request.principal) return done();
    try {
      request.tenant = tenantFor(request, requested);
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
  if (edge.rateLimit) {
    registerRateLimit(app, {
      limiter: edge.rateLimit.limiter,
      limits: uniformLimits(edge.rateLimit.rule),
      onOutcome: (routeClass, outcome) => rt.metrics.rateLimitRequests.inc({ route_class: routeClass, outcome }),
    });
  }
  await registerOpenApi(app, { version: RAGD_VERSION });
  registerKeyRoutes(app, edge);
}
