/**
 * Request ids and the one log line per request. An incoming X-Request-Id is kept when it is a sane
 * token (<= 128 chars of [A-Za-z0-9._:-]); otherwise a random UUID is used. The id is echoed on every
 * response and bound to every log line of the request. Fastify's own two-line request logging is
 * turned off in app.ts in favour of this single line with route, status, duration, cache status,
 * degraded reasons and, when tracing is on, the trace id. Headers are never logged (credentials
 * travel in them); a query string's credential-looking parameters are masked.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RagdError } from '../../errors/ragd-error.js';
import { parseRequestTimeout } from '../../resilience/request-timeout.js';
import { accessLineWriter } from '../../observability/access-line.js';
import { ResponseBatch, ResponseRecord, type DeferredObservation } from '../../observability/response-batch.js';
import type { Logger } from 'pino';
import type { CallOptions } from '../../providers/call-options.js';
import type { TraceSpan } from '../../observability/tracing-types.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function genRequestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && SAFE_ID.test(incoming)) return incoming;
  return randomUUID();
}

/** Per-request facts that the final log line reports; routes fill them in. */
export interface RequestFacts {
  cache?: string;
  degraded?: string[];
  collection?: string;
  /** Recording a route leaves for the response batch (applied with the response's own; response-batch.ts). */
  deferred?: DeferredObservation;
}

declare module 'fastify' {
  interface FastifyRequest {
    facts: RequestFacts;
    /** Aborts when the client disconnects or the request deadline passes. */
    abortSignal: AbortSignal;
    /** Absolute deadline, epoch ms. */
    deadline: number;
    /** Tenant the request acts for (set by authentication; `default` when auth is off). */
    tenant: string;
  }
}

export const DEFAULT_TENANT = 'default';

/** Options of {@link registerRequestContext}. */
export interface RequestContextOptions {
  /** Server default deadline per request, ms (RAGD_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** The trace id of a request (from registerTracingHooks), logged as `traceId`. Default: none. */
  traceId?: ((request: FastifyRequest) => string | undefined) | undefined;
  /**
   * Records a finished response (metrics, SLO), from the same batch as the log line, before it.
   * Default: nothing (RAGD_METRICS=off).
   */
  recordResponse?: ((record: ResponseRecord) => void) | undefined;
}

/** Query parameters whose values are masked in the logged URL: anything that could be a credential. */
const SECRET_QUERY_PARAM = /([?&](?:[^=&]*(?:key|token|secret|password|auth|signature|sig)[^=&]*)=)[^&#]*/gi;

/** The URL as logged: at most 512 characters, credential-looking query values masked. */
export function loggableUrl(url: string): string {
  const cut = url.length > 512 ? url.slice(0, 512) : url;
  return cut.includes('?') ? cut.replace(SECRET_QUERY_PARAM, '$1[redacted]') : cut;
}

/** Where the lazily created abort signal of a request lives (see `abortSignalOf`). */
const kAbort = Symbol('ragd.abort');

interface AbortState {
  /** The response: its 'close' before it finished means the client went away. */
  readonly res: ServerResponse;
  /** The request's budget, ms, for the timeout error's message. */
  readonly timeoutMs: number;
  controller?: AbortController;
}

type WithAbortState = FastifyRequest & { [kAbort]?: AbortState };

/**
 * The request's abort signal, created on first use: it aborts when the client disconnects or the
 * deadline passes. Lazily, because most requests never hand a signal to anything (an exact cache
 * hit answers from memory): an AbortController, a timer and a 'close' listener per request were
 * ~3% of such a request's CPU. A signal asked for after the client left or past the deadline is
 * returned already aborted, so late callers see the same outcome as early ones.
 */
function abortSignalOf(request: WithAbortState): AbortSignal {
  const state = request[kAbort];
  if (state === undefined) {
    // Outside the request lifecycle (no onRequest ran): a signal that never aborts.
    return new AbortController().signal;
  }
  if (state.controller) return state.controller.signal;
  const controller = new AbortController();
  state.controller = controller;
  const already = reasonBeforeSignal(state, request.deadline);
  if (already !== undefined) {
    controller.abort(already);
    return controller.signal;
  }
  const { res } = state;
  const timer = setTimeout(() => controller.abort(deadlineExceeded(state)), request.deadline - Date.now());
  timer.unref();
  res.once('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) controller.abort(clientClosed());
  });
  return controller.signal;
}

function clientClosed(): RagdError {
  return new RagdError('RAGD_ERR_CLIENT_CLOSED', 'client closed the request');
}

function deadlineExceeded(state: AbortState): RagdError {
  return new RagdError('RAGD_ERR_TIMEOUT', `request deadline of ${state.timeoutMs} ms exceeded`);
}

/** The error a signal made now would already be aborted with (client gone, deadline passed), or undefined. */
function reasonBeforeSignal(state: AbortState, deadline: number): RagdError | undefined {
  if (state.res.destroyed && !state.res.writableFinished) return clientClosed();
  if (deadline - Date.now() <= 0) return deadlineExceeded(state);
  return undefined;
}

/**
 * Why `request` is already aborted (its signal's reason, or the error its signal would abort with:
 * the client went away, or the deadline passed), or undefined; never makes the signal.
 */
export function requestAbortReason(request: FastifyRequest): unknown {
  const state = (request as WithAbortState)[kAbort];
  if (state === undefined) return undefined;
  if (state.controller) return state.controller.signal.aborted ? state.controller.signal.reason : undefined;
  return reasonBeforeSignal(state, request.deadline);
}

/**
 * CallOptions for an outbound call made for `request`, whose `signal` is the request's abort signal
 * made on first read: in-process work (the local embedder) checks `abortedReason` instead and never
 * reads it, so a semantic-cache hit makes no AbortController, timer or listener (an AbortController
 * alone measured 3-6 µs in Node 20). Remote calls read `signal` and get the real one.
 */
export function requestCallOptions(request: FastifyRequest, parentSpan?: TraceSpan): CallOptions {
  return new RequestCallOptions(request, parentSpan);
}

/**
 * A class rather than an object literal with a getter: V8 builds such a literal on a slow path
 * (~1% of a semantic hit in a profile), while a prototype getter costs nothing until it is read.
 */
class RequestCallOptions implements CallOptions {
  readonly deadline: number;
  readonly abortedReason: () => unknown;

  constructor(
    private readonly request: FastifyRequest,
    readonly parentSpan: TraceSpan | undefined,
  ) {
    this.deadline = request.deadline;
    // A closure, not a method: callers pass it on by itself (ResilientEmbedder, executeLocal).
    this.abortedReason = () => requestAbortReason(request);
  }

  get signal(): AbortSignal {
    return this.request.abortSignal;
  }
}

/**
 * Request ids, deadlines and abort signals per request; what each response leaves for metrics, SLOs
 * and the access line goes into a ResponseBatch, which is returned: drain it before reading them.
 */
export function registerRequestContext(app: FastifyInstance, options: RequestContextOptions): ResponseBatch {
  const traceIdOf = options.traceId;
  app.decorateRequest('facts', null as unknown as RequestFacts);
  app.decorateRequest('abortSignal', {
    getter(this: FastifyRequest): AbortSignal {
      return abortSignalOf(this as WithAbortState);
    },
  });
  app.decorateRequest('deadline', 0);
  app.decorateRequest('tenant', DEFAULT_TENANT);
  // Callback style: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    request.facts = {};
    reply.header('x-request-id', request.id);
    let timeoutMs: number;
    try {
      // A client may ask for less time than the server default (X-Request-Timeout), never more.
      timeoutMs = parseRequestTimeout(request.headers['x-request-timeout'], options.requestTimeoutMs);
    } catch (err) {
      done(err as Error);
      return;
    }
    request.deadline = Date.now() + timeoutMs;
    (request as WithAbortState)[kAbort] = { res: reply.raw, timeoutMs };
    done();
  });
  // Written to the root logger's destination with the request id in the line, which is what a child
  // logger's bindings would add, so request.log (lazy, see lazy-request-logger.ts) is never made for
  // it; the bytes are pino's own (access-line.ts says why it is serialised by hand).
  const root = app.log as unknown as Logger;
  const writeAccessLine = accessLineWriter(root);
  const record = options.recordResponse;
  // Applied a batch at a time (response-batch.ts says why and what it changes).
  const batch = new ResponseBatch({
    apply: (r) => {
      record?.(r);
      r.deferred?.apply();
      const level = r.status >= 500 ? 'error' : 'info';
      if (!isLevelEnabled(app.log, level)) return;
      writeAccessLine(level, {
        reqId: r.reqId,
        method: r.method,
        route: r.route,
        url: loggableUrl(r.url),
        status: r.status,
        durationMs: Math.round(r.elapsedMs * 100) / 100,
        traceId: r.traceId,
        cache: r.cache,
        degraded: r.degraded,
        at: r.at,
      });
    },
  });
  // Callback style (no promise per request); nothing is kept when nothing would be recorded.
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const facts = request.facts;
    if (record === undefined && !isLevelEnabled(app.log, status >= 500 ? 'error' : 'info')) {
      // Nothing else to record it with: applied now.
      facts?.deferred?.apply();
      return done();
    }
    batch.push(
      new ResponseRecord(
        routeOf(request),
        request.method,
        status,
        // Read once: Fastify's getter takes the clock again on every read.
        reply.elapsedTime,
        Date.now(),
        request.id,
        request.url,
        traceIdOf?.(request) || undefined,
        facts?.cache || undefined,
        facts?.degraded?.length ? facts.degraded : undefined,
        facts?.deferred,
      ),
    );
    done();
  });
  // Nothing recorded is lost at shutdown: the batch is applied before the logger's last flush.
  app.addHook('onClose', (_instance, done) => {
    batch.drain();
    done();
  });
  return batch;
}

/** pino's isLevelEnabled, which Fastify's logger type does not declare; true for loggers without it. */
function isLevelEnabled(log: FastifyRequest['log'], level: string): boolean {
  const check = (log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled;
  return check === undefined ? true : check.call(log, level);
}

/** The route template (bounded cardinality) or `unmatched`. */
export function routeOf(request: FastifyRequest): string {
  // Remembered per request: Fastify's routeOptions getter builds a fresh options object on every
  // access, and the log line, metrics, SLO and audit each ask.
  const r = request as FastifyRequest & { [kRoute]?: string };
  return (r[kRoute] ??= request.routeOptions.url ?? 'unmatched');
}

const kRoute = Symbol('ragd.route');
