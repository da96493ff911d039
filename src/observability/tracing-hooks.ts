/**
 * The HTTP server span: one per request, named `POST /api/v1/rag/query`, parented on the caller's
 * W3C `traceparent` when it sent one. The span is made active around the route handler (wrapped at
 * registration through `onRoute`), so spans started while handling nest under it, including a
 * streamed answer's. It ends when the response closes, which also covers hijacked SSE replies and
 * clients that go away; 5xx marks it failed with the error the handler threw, 4xx does not (the
 * HTTP semantic conventions count those as the client's error).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { ATTR, serverSpanName } from './tracing-attributes.js';
import type { TraceSpan, Tracing } from './tracing-types.js';

interface RequestTrace {
  span: TraceSpan;
  error?: unknown;
  finished?: boolean;
}

/** The trace id of a request's server span (32 hex digits), for its log lines. */
export type TraceIdLookup = (request: FastifyRequest) => string | undefined;

/**
 * Adds the server-span hooks to `app`. Call it before any route is registered (the handler
 * wrapping happens as routes are added). With tracing off it adds nothing at all and returns
 * undefined; otherwise it returns the lookup of each request's trace id (request-context.ts logs it).
 */
export function registerTracingHooks(app: FastifyInstance, tracing: Tracing): TraceIdLookup | undefined {
  if (!tracing.enabled) return undefined;
  const traces = new WeakMap<FastifyRequest, RequestTrace>();

  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    const wrapped: RouteHandlerMethod = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const t = traces.get(request);
      return t ? t.span.run(() => handler.call(this, request, reply)) : handler.call(this, request, reply);
    };
    route.handler = wrapped;
  });

  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const span = tracing.startSpan(
      serverSpanName(request.method, route),
      {
        [ATTR.httpMethod]: request.method,
        [ATTR.httpRoute]: route,
        [ATTR.urlPath]: pathOf(request.url),
        [ATTR.urlScheme]: request.protocol,
        [ATTR.requestId]: request.id,
      },
      { kind: 'server', carrier: request.headers },
    );
    const t: RequestTrace = { span };
    traces.set(request, t);
    reply.raw.once('close', () => finish(t, reply.raw.statusCode));
    done();
  });

  app.addHook('onError', (request, _reply, error, done) => {
    const t = traces.get(request);
    if (t) t.error = error;
    done();
  });

  // light-my-request (app.inject) may not emit 'close'; onResponse covers it. Ending is idempotent.
  app.addHook('onResponse', (request, reply, done) => {
    const t = traces.get(request);
    if (t) finish(t, reply.statusCode);
    done();
  });

  return (request) => traces.get(request)?.span.traceId || undefined;
}

function finish(t: RequestTrace, status: number): void {
  if (t.finished) return;
  t.finished = true;
  t.span.setAttributes({ [ATTR.httpStatus]: status });
  if (status >= 500) t.span.fail(t.error ?? Object.assign(new Error(`HTTP ${status}`), { code: String(status) }));
  t.span.end();
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
