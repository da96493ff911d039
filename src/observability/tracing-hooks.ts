/**
 * The HTTP server span: one per request, named `POST /api/v1/rag/query`, parented on the caller's
 * W3C `traceparent` when it sent one. It is kept on the request: `requestSpan(request)` is the
 * parent routes pass to their stage spans. With `implicitContext` on, it is also made active
 * around the route handler (wrapped at registration through `onRoute`), so spans started without a
 * parent nest under it too. It ends when the response closes, which also covers hijacked SSE
 * replies and clients that go away; 5xx marks it failed with the error the handler threw, 4xx does
 * not (the HTTP semantic conventions count those as the client's error). The facts routes record
 * for the request's log line (request-context.ts: collection, cache outcome, degraded) become its
 * attributes too, so an answer served from the cache says so without a span of its own.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { NOOP_SPAN } from './tracing.js';
import { ATTR, serverSpanName } from './tracing-attributes.js';
import type { TraceSpan, Tracing } from './tracing-types.js';

/** Where a request keeps its server span (decorated, so every request has the same shape). */
const SPAN = Symbol('ragd.trace.span');
/** The request a response belongs to, until the response closes and the span ends. */
const REQUEST = Symbol('ragd.trace.request');
/** The error a failed request threw, kept on the response for the span (set only on errors). */
const ERROR = Symbol('ragd.trace.error');

/** The per-request facts request-context.ts logs (`request.facts`), as far as the span reports them. */
interface LoggedFacts {
  collection?: string | undefined;
  cache?: string | undefined;
  degraded?: readonly string[] | undefined;
}

type TracedRequest = FastifyRequest & { [SPAN]?: TraceSpan | null; facts?: LoggedFacts | null };
type TracedResponse = ServerResponse & { [REQUEST]?: TracedRequest | undefined; [ERROR]?: unknown };

/** The trace id of a request's server span (32 hex digits), for its log lines. */
export type TraceIdLookup = (request: FastifyRequest) => string | undefined;

/**
 * The server span of `request`, to pass as the `parent` of the request's stage spans; the no-op
 * span when tracing is off (then nothing else about tracing runs either).
 *
 * @example
 * await rt.tracing.withSpan(SPAN_NAMES.cacheLookup, attrs, (span) => lookUp(span), { parent: requestSpan(request) });
 */
export function requestSpan(request: FastifyRequest): TraceSpan {
  return (request as TracedRequest)[SPAN] ?? NOOP_SPAN;
}

/**
 * Adds the server-span hooks to `app`. Call it before any route is registered (the handler
 * wrapping happens as routes are added). With tracing off it adds nothing at all and returns
 * undefined; otherwise it returns the lookup of each request's trace id (request-context.ts logs it).
 */
export function registerTracingHooks(app: FastifyInstance, tracing: Tracing): TraceIdLookup | undefined {
  if (!tracing.enabled) return undefined;
  if (!app.hasRequestDecorator(SPAN)) app.decorateRequest(SPAN, null);

  if (tracing.implicitContext) {
    app.addHook('onRoute', (route) => {
      const handler = route.handler;
      const wrapped: RouteHandlerMethod = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
        const span = (request as TracedRequest)[SPAN];
        return span ? span.run(() => handler.call(this, request, reply)) : handler.call(this, request, reply);
      };
      route.handler = wrapped;
    });
  }

  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const span = tracing.startSpan(serverSpanName(request.method, route), undefined, { kind: 'server', carrier: request.headers });
    // One by one rather than as an object: a cache hit's whole request costs a few tens of µs.
    span.setAttribute(ATTR.httpMethod, request.method);
    span.setAttribute(ATTR.httpRoute, route);
    span.setAttribute(ATTR.urlPath, pathOf(request.url));
    span.setAttribute(ATTR.urlScheme, request.protocol);
    span.setAttribute(ATTR.requestId, request.id);
    (request as TracedRequest)[SPAN] = span;
    const res = reply.raw as TracedResponse;
    res[REQUEST] = request;
    // The response's 'close' comes last in every case (sent, hijacked and streamed, client gone;
    // light-my-request emits it too), so it alone ends the span. One shared listener, which finds
    // the request on the response: no closure and no Fastify hook per request.
    res.on('close', onClose);
    done();
  });

  app.addHook('onError', (_request, reply, error, done) => {
    (reply.raw as TracedResponse)[ERROR] = error;
    done();
  });

  return (request) => (request as TracedRequest)[SPAN]?.traceId || undefined;
}

function onClose(this: TracedResponse): void {
  const request = this[REQUEST];
  const span = request?.[SPAN];
  if (!span) return;
  this[REQUEST] = undefined;
  const status = this.statusCode;
  if (span.recording) {
    span.setAttribute(ATTR.httpStatus, status);
    const facts = request?.facts;
    if (facts) {
      span.setAttribute(ATTR.collection, facts.collection);
      span.setAttribute(ATTR.cacheResult, facts.cache);
      if (facts.degraded?.length) span.setAttribute(ATTR.degraded, true);
    }
    if (status >= 500) span.fail(this[ERROR] ?? Object.assign(new Error(`HTTP ${status}`), { code: String(status) }));
  }
  span.end();
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
