/**
 * The HTTP application: Fastify with ragd's body parser, validators, request context, error
 * rendering and routes. Built from a started Runtime; `listen` is the caller's business (serve.ts).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { RagdError } from '../errors/ragd-error.js';
import type { Runtime } from '../runtime.js';
import { registerErrorHandling, sendProblem } from './plugins/error-handler.js';
import { registerJsonBodyParser } from './plugins/json-body.js';
import { lazyChildLoggerFactory } from './plugins/lazy-request-logger.js';
import { genRequestId, registerRequestContext } from './plugins/request-context.js';
import type { ResponseRecord } from '../observability/response-batch.js';
import { registerDocumentRoutes } from './routes/documents.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoute, registerSloRoute } from './routes/metrics.js';
import { registerResilienceRoutes } from './routes/resilience.js';
import { registerCacheRoutes } from './routes/cache.js';
import { registerLoadShedding } from './plugins/load-shedding.js';
import { registerTracingHooks } from '../observability/tracing-hooks.js';
import { registerDashboard } from '../observability/dashboard-route.js';
import { registerQueryRoute } from './routes/query.js';
import { registerSearchRoute } from './routes/search.js';
import { validatorCompiler } from './validation.js';
import { createEdge, type Edge } from './edge.js';
import { registerEdge } from './edge-plugins.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Requests currently being served (for graceful shutdown's drain). */
    inFlight: () => number;
  }
}

/** `edge` (authentication, rate limits) is built from rt.config when not given; the app then closes it. */
export async function buildApp(rt: Runtime, edge?: Edge): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: rt.log as FastifyBaseLogger,
    // One line per request is written by request-context.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: genRequestId,
    // request.log is made on first use: most requests only write the access line, through the root logger.
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: rt.config.server.bodyLimitBytes,
    // Shutdown is handled in onRequest below so the 503 is problem+json like every other error.
    return503OnClosing: false,
    requestTimeout: rt.config.server.requestTimeoutMs + 5_000,
  });
  app.setValidatorCompiler(validatorCompiler);
  registerJsonBodyParser(app);
  // Tracing first: its onRoute wrapper must see every route, and the request log line carries its trace ids.
  const traceId = registerTracingHooks(app, rt.tracing);
  const observe = rt.config.observability;
  // RAGD_METRICS=off: nothing is recorded per response (the overhead baseline).
  const recordResponse = observe.metrics
    ? (r: ResponseRecord): void => {
        rt.metrics.recordHttpRequest({ route: r.route, method: r.method, status: r.status }, r.elapsedMs / 1000);
        rt.slo.record({ route: r.route, status: r.status, durationMs: r.elapsedMs, isQuery: r.route === '/api/v1/rag/query', at: r.at });
      }
    : undefined;
  const responses = registerRequestContext(app, { requestTimeoutMs: rt.config.server.requestTimeoutMs, traceId, recordResponse });
  // Whoever reads metrics, SLOs or logs through the runtime sees every finished response first.
  const unregisterFlush = rt.onFlushObservations(() => responses.drain());
  app.addHook('onClose', (_instance, done) => {
    unregisterFlush();
    done();
  });
  registerErrorHandling(app);
  // Callback style: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    if (rt.shuttingDown && !request.url.startsWith('/health/live')) {
      sendProblem(request, reply, new RagdError('RAGD_ERR_SHUTTING_DOWN', 'server is shutting down; retry on another instance', { retryAfterSeconds: 1 }));
      return;
    }
    done();
  });
  const inFlight = registerLoadShedding(app, { ...rt.config.shedding, metrics: rt.metrics });
  app.decorate('inFlight', inFlight);
  // After shedding (cheapest refusal) and tracing (so refusals are traced too): auth, then rate limits.
  const ownEdge = edge ?? (await createEdge(rt.config, { log: rt.log, metrics: rt.metrics }));
  if (!edge) app.addHook('onClose', async () => ownEdge.close());
  await registerEdge(app, rt, ownEdge);
  // The dashboard draws from /metrics, so it needs metrics on.
  if (observe.dashboard && observe.metrics && !registerDashboard(app)) rt.log.warn('dashboard files not found; /dashboard is not served');
  registerHealthRoutes(app, rt);
  if (observe.metrics) {
    registerMetricsRoute(app, rt);
    registerSloRoute(app, rt);
  }
  registerResilienceRoutes(app, rt);
  registerCacheRoutes(app, rt);
  registerDocumentRoutes(app, rt);
  registerSearchRoute(app, rt);
  registerQueryRoute(app, rt);
  await app.ready();
  return app;
}
