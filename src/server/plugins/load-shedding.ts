/**
 * Load shedding at the edge: when too many requests are in flight, or the event loop is already
 * late (p99 delay over the last second above the limit), new requests get an immediate 503 with
 * Retry-After instead of queueing behind work that will miss its deadline anyway. Health and
 * metrics routes are never shed, so operators can still see what is happening.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { RagdError } from '../../errors/ragd-error.js';
import type { Metrics } from '../../observability/metrics.js';
import { sendProblem } from './error-handler.js';

/** How often the event-loop delay percentile is recomputed. */
const SAMPLE_INTERVAL_MS = 1_000;
/** Histogram resolution for the event-loop monitor. */
const MONITOR_RESOLUTION_MS = 10;

export interface LoadSheddingOptions {
  maxInFlight: number;
  maxEventLoopDelayMs: number;
  metrics: Metrics;
}

const EXEMPT = /^\/(health|metrics|dashboard)(\/|$|\?)/;

/** Returns a function reporting the requests in flight (shed and exempt routes not counted). */
export function registerLoadShedding(app: FastifyInstance, options: LoadSheddingOptions): () => number {
  let inFlight = 0;
  let loopDelayMs = 0;
  const monitor = monitorEventLoopDelay({ resolution: MONITOR_RESOLUTION_MS });
  monitor.enable();
  const timer = setInterval(() => {
    // The monitor's samples include its own resolution; subtract it so an idle loop reads ~0.
    loopDelayMs = Math.max(0, monitor.percentile(99) / 1e6 - MONITOR_RESOLUTION_MS);
    monitor.reset();
  }, SAMPLE_INTERVAL_MS);
  timer.unref();
  const release = (): void => {
    inFlight--;
  };
  app.addHook('onClose', async () => {
    clearInterval(timer);
    monitor.disable();
  });

  // Callback style (no promise per request) and one listener: 'close' follows 'finish' on every
  // response, and is the only event when the client goes away first. `on`, not `once`: a response
  // closes once, and `once` would add a wrapper closure and a removeListener per request.
  app.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT.test(request.url)) return done();
    let reason: string | undefined;
    if (inFlight >= options.maxInFlight) reason = 'in_flight';
    else if (loopDelayMs > options.maxEventLoopDelayMs) reason = 'event_loop_delay';
    if (reason) {
      options.metrics.shedRequests.inc({ reason });
      sendProblem(request, reply, new RagdError('RAGD_ERR_OVERLOADED', `server is overloaded (${reason.replace(/_/g, ' ')}); retry shortly`, { retryAfterSeconds: 1 }));
      return;
    }
    inFlight++;
    reply.raw.on('close', release);
    done();
  });
  return () => inFlight;
}
