/**
 * Microbenchmark of what metrics, SLO recording and the access log line cost per exact-cache-hit
 * request (`node dist/bench/observability-micro.js [--n 200000] [--per-turn 4] > /dev/null`;
 * results go to stderr, log lines to stdout). Per simulated request it makes the calls the server
 * makes: the app's onResponse recording (metrics.recordHttpRequest, slo.record), the query
 * route's Runtime#recordQuery and the cache's hit counter, and the access line request-context.ts
 * writes (level check first; access-line.ts, pino's bytes to the root logger's destination). Configurations: (a) as RAGD_METRICS=off with
 * logs silent, (b) defaults; plus (b) without the log line and the log line alone. Lines go to the
 * real default destination (stdout), `--per-turn` requests per event-loop turn, so batching of
 * writes is as in a server handling that many requests per turn. Reports the best round's process
 * CPU time (threads included, descheduled time excluded) per request, and (b) - (a).
 */
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { createDisabledMetrics, createMetrics, type Metrics } from '../src/observability/metrics.js';
import { createLogger } from '../src/observability/logger.js';
import { accessLineWriter, type AccessLineWriter } from '../src/observability/access-line.js';
import { createSloTracker, type SloTracker } from '../src/observability/slo.js';
import type { QueryDone } from '../src/rag/query-service.js';
import { Runtime } from '../src/runtime.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '7' },
    'per-turn': { type: 'string', default: '4' },
  },
});
const N = Number(args.n);
const ROUNDS = Number(args.rounds);
const PER_TURN = Number(args['per-turn']);

const ROUTE = '/api/v1/rag/query';
/** Request ids as the server has them (strings made before the request is answered). */
const REQUEST_IDS = Array.from({ length: 1024 }, (_, i) => `b8f3d6a2-1c9e-4e1a-9d0b-${String(100000000000 + i)}`);
const done: QueryDone = {
  mode: 'hybrid',
  model: 'extractive-v1',
  timings: { embedMs: 0, searchMs: 0, generateMs: 0, totalMs: 0.05 },
  degraded: false,
  reasons: [],
  collectionVersion: 1,
};

interface Setup {
  metrics: Metrics;
  /** Only when metrics are on: app.ts registers the recording hook only then. */
  slo: SloTracker | undefined;
  log: Logger;
  /** Whether the access line is attempted (the level check always runs). */
  logLine: boolean;
  /** The server's access-line writer for `log`. */
  writeLine: AccessLineWriter;
}

/** The per-request observability calls of one exact cache hit, as the server makes them. */
function request(s: Setup, i: number): void {
  // The answer cache's hit counter and the query route's Runtime#recordQuery (the real method).
  s.metrics.cacheHits.inc({ tier: 'memory', kind: 'exact' });
  Runtime.prototype.recordQuery.call(runtimeFor(s.metrics), done, 'exact');
  // app.ts onResponse.
  const elapsed = 0.3 + (i & 7) * 0.01;
  if (s.slo !== undefined) {
    s.metrics.recordHttpRequest({ route: ROUTE, method: 'POST', status: 200 }, elapsed / 1000);
    s.slo.record({ route: ROUTE, status: 200, durationMs: elapsed, isQuery: true });
  }
  // request-context.ts onResponse: the level check, then the access line (access-line.ts) to the
  // root logger's destination.
  if (!s.logLine || !s.log.isLevelEnabled('info')) return;
  s.writeLine('info', {
    reqId: REQUEST_IDS[i & 1023] as string,
    method: 'POST',
    route: ROUTE,
    url: ROUTE,
    status: 200,
    durationMs: Math.round(elapsed * 100) / 100,
    cache: 'exact',
  });
}

/** What Runtime#recordQuery reads of its runtime: the metrics and the bound total-stage histogram. */
const runtimes = new Map<Metrics, Runtime>();
function runtimeFor(metrics: Metrics): Runtime {
  let rt = runtimes.get(metrics);
  if (rt === undefined) runtimes.set(metrics, (rt = { metrics, totalQueryDuration: metrics.queryDuration.bind({ stage: 'total' }) } as unknown as Runtime));
  return rt;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function bestCpuNsPerRequest(s: Setup): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS + 1; round++) {
    await new Promise<void>((resolve) => s.log.flush(() => resolve()));
    const c0 = process.cpuUsage();
    for (let i = 0; i < N;) {
      for (let k = 0; k < PER_TURN && i < N; k++, i++) request(s, i);
      await turn();
    }
    await new Promise<void>((resolve) => s.log.flush(() => resolve()));
    const used = process.cpuUsage(c0);
    if (round > 0) best = Math.min(best, ((used.user + used.system) * 1000) / N); // round 0 warms up
  }
  return best;
}

async function main(): Promise<void> {
  const silent = createLogger({ level: 'silent', pretty: false });
  const info = createLogger({ level: 'info', pretty: false });
  const off = createDisabledMetrics();
  const on = createMetrics({ collectDefault: false });
  on.close();
  const slo = createSloTracker();
  const configs: [string, Setup][] = [
    ['(a) metrics off, logs silent', { metrics: off, slo: undefined, log: silent, logLine: true, writeLine: accessLineWriter(silent) }],
    ['(b) metrics + SLO + access line', { metrics: on, slo, log: info, logLine: true, writeLine: accessLineWriter(info) }],
    ['metrics + SLO only', { metrics: on, slo, log: silent, logLine: true, writeLine: accessLineWriter(silent) }],
    ['access line only', { metrics: off, slo: undefined, log: info, logLine: true, writeLine: accessLineWriter(info) }],
  ];
  const results = new Map<string, number>();
  for (let pass = 0; pass < 2; pass++) {
    // Twice, interleaved, so drift affects every configuration alike; the best of both passes is kept.
    for (const [name, setup] of configs)
      results.set(name, Math.min(results.get(name) ?? Number.POSITIVE_INFINITY, await bestCpuNsPerRequest(setup)));
  }
  const out = (line: string) => process.stderr.write(`${line}\n`);
  out(
    `observability per exact-hit request, CPU ns (best of ${ROUNDS} rounds x ${N}, ${PER_TURN} requests per event-loop turn), node ${process.version}`,
  );
  for (const [name, ns] of results) out(`${name.padEnd(36)} ${ns.toFixed(0).padStart(6)} ns`);
  out(
    `cost of metrics + SLO + access line: ${((results.get('(b) metrics + SLO + access line') as number) - (results.get('(a) metrics off, logs silent') as number)).toFixed(0)} ns per request`,
  );
}

await main();
