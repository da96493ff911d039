/**
 * Closed-loop HTTP load on autocannon (used as a library): N connections each send the next
 * request as soon as the previous answer arrives. Bodies rotate per request across all
 * connections through autocannon's `requests[].setupRequest`, and every answer (status, headers,
 * body) can be inspected through `onResponse`, e.g. to count `x-cache` values.
 *
 * Latency percentiles are computed here from autocannon's per-response timings (sub-millisecond)
 * rather than read from its histogram, which records whole milliseconds: at cache-hit speeds a
 * p50 of "0" or "1" would hide the differences the benchmark exists to show.
 */
import autocannon from 'autocannon';
import { percentiles } from '../src/eval/percentile.js';

/** Default concurrent connections: enough to saturate one Node process without queueing for long. */
export const DEFAULT_CONNECTIONS = 10;
/** Default measured run length, in seconds: long enough for stable tail percentiles. */
export const DEFAULT_DURATION_SEC = 10;
/** Default request timeout, in seconds (autocannon's own default). */
export const DEFAULT_TIMEOUT_SEC = 10;

/** A request body: strings and Buffers are sent as they are, anything else as JSON. */
export type Bodies = readonly unknown[] | ((index: number) => unknown);

export interface LoadOptions {
  /** Full URL, path included, e.g. `http://127.0.0.1:8080/api/v1/rag/query`. */
  readonly url: string;
  /** Defaults to POST when `bodies` is given, else GET. */
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Bodies rotated per request (shared across connections and the warm-up), or a function of the
   * request index for bodies that must never repeat (unique documents, cache-busting queries).
   */
  readonly bodies?: Bodies;
  /** Concurrent connections. Defaults to 10; capped at `amount`. */
  readonly connections?: number;
  /** Measured run length in seconds. Used unless `amount` is given; defaults to 10. */
  readonly durationSec?: number;
  /** Total requests to send instead of a duration. */
  readonly amount?: number;
  /** Seconds of unmeasured load first (JIT, caches, connection pools). Defaults to 0. */
  readonly warmupSec?: number;
  /** Per-request timeout in seconds. Defaults to 10. */
  readonly timeoutSec?: number;
  /** Called for every measured answer (not during warm-up), with lower-cased header names. */
  readonly onResponse?: (status: number, headers: Readonly<Record<string, string>>, body: string) => void;
  /** Called once, after the warm-up and right before the measured run starts. */
  readonly onMeasureStart?: () => void;
  /** Progress bar on stderr. Defaults to on when stderr is a TTY. */
  readonly progress?: boolean;
}

/** Latency in milliseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly avg: number;
  readonly max: number;
}

export interface LoadResult {
  /** Answers received (any status). */
  readonly requests: number;
  /** Answers per second over the measured run. */
  readonly rps: number;
  readonly latency: LatencySummary;
  /** Connection errors and timeouts (requests that got no answer). */
  readonly errors: number;
  readonly timeouts: number;
  /** Answers with a status outside 2xx. */
  readonly non2xx: number;
  /** (errors + non-2xx) / (answers + errors): the k6 `http_req_failed` idea, 0..1. */
  readonly errorRate: number;
  /** Answers per status code, e.g. `{ "200": 9812, "503": 3 }`. */
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Measured run length in seconds (warm-up excluded). */
  readonly durationSec: number;
}

/**
 * Runs one load test and summarises it.
 *
 * @example
 * const r = await runLoad({ url: `${base}/api/v1/rag/search`, bodies: [{ query: 'a' }, { query: 'b' }], durationSec: 5 });
 * console.log(r.rps, r.latency.p99);
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const connections = Math.max(1, Math.min(options.connections ?? DEFAULT_CONNECTIONS, options.amount ?? Infinity));
  const progress = options.progress ?? Boolean(process.stderr.isTTY);
  let next = 0;
  const nextBody = makeBodySource(options.bodies);

  if (options.warmupSec && options.warmupSec > 0) {
    await runOnce(options, { connections, durationSec: options.warmupSec, progress, nextBody: () => nextBody(next++), measure: null });
  }

  const latencies: number[] = [];
  options.onMeasureStart?.();
  const result = await runOnce(options, {
    connections,
    durationSec: options.durationSec ?? DEFAULT_DURATION_SEC,
    amount: options.amount,
    progress,
    nextBody: () => nextBody(next++),
    measure: (ms) => latencies.push(ms),
  });

  const statusCounts: Record<string, number> = {};
  let answers = 0;
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    const count = (stat as { count?: number }).count ?? 0;
    statusCounts[code] = count;
    answers += count;
  }
  const [p50, p95, p99] = percentiles(latencies, [50, 95, 99]);
  let sum = 0;
  let max = 0;
  for (const ms of latencies) {
    sum += ms;
    if (ms > max) max = ms;
  }
  const durationSec = result.duration;
  const attempted = answers + result.errors;
  return {
    requests: answers,
    rps: durationSec > 0 ? answers / durationSec : 0,
    latency: { p50, p95, p99, avg: latencies.length ? sum / latencies.length : 0, max },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    errorRate: attempted > 0 ? (result.errors + result.non2xx) / attempted : 0,
    statusCounts,
    durationSec,
  };
}

interface RunSettings {
  readonly connections: number;
  readonly durationSec: number;
  readonly amount?: number | undefined;
  readonly progress: boolean;
  readonly nextBody: () => string | Buffer | undefined;
  /** Receives each answer's latency in ms; `null` for the warm-up, whose answers are discarded. */
  readonly measure: ((ms: number) => void) | null;
}

async function runOnce(options: LoadOptions, run: RunSettings): Promise<autocannon.Result> {
  const hasBodies = options.bodies !== undefined;
  const onResponse = run.measure ? options.onResponse : undefined;
  const request: autocannon.Request = {
    // autocannon merges defaults into a fresh object before calling this, so replacing the body is safe.
    setupRequest: (req) => {
      const body = run.nextBody();
      return body === undefined ? req : { ...req, body };
    },
    ...(onResponse
      ? {
          onResponse: (status: number, body: string, _ctx: object, headers: autocannon.Request['headers']) =>
            onResponse(status, lowerCaseHeaders(headers), body),
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? (hasBodies ? 'POST' : 'GET'),
        headers: { ...(hasBodies ? { 'content-type': 'application/json' } : {}), ...options.headers },
        connections: run.connections,
        ...(run.amount !== undefined ? { amount: run.amount } : { duration: run.durationSec }),
        timeout: options.timeoutSec ?? DEFAULT_TIMEOUT_SEC,
        // autocannon only notices the end of a run on a sample tick; 100 ms instead of its 1 s
        // default keeps a finished `amount` run from idling up to a second and deflating req/s.
        sampleInt: 100,
        requests: [request],
      },
      (err: unknown, result: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
    const measure = run.measure;
    if (measure) instance.on('response', (_client, _status, _bytes, responseTime) => measure(responseTime));
    if (run.progress) {
      // `warmupRunning` is read by autocannon's tracker (it labels the bar "warmup") but missing from its types.
      const tracking = { renderProgressBar: true, renderResultsTable: false, outputStream: process.stderr, warmupRunning: !measure };
      autocannon.track(instance, tracking);
    }
  });
}

function makeBodySource(bodies: Bodies | undefined): (index: number) => string | Buffer | undefined {
  if (bodies === undefined) return () => undefined;
  if (typeof bodies === 'function') return (i) => encodeBody(bodies(i));
  if (bodies.length === 0) throw new RangeError('bodies must not be empty');
  // Serialise once: rotation then costs nothing per request.
  const encoded = bodies.map(encodeBody);
  return (i) => encoded[i % encoded.length];
}

function encodeBody(body: unknown): string | Buffer {
  return typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
}

function lowerCaseHeaders(headers: autocannon.Request['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
