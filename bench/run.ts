/**
 * One benchmark run: the bare-Fastify reference and the chosen scenarios under identical load
 * settings, one after another, then threshold verdicts and the exit code. Talks to ragd only
 * through `baseUrl`; starting ragd (and the fake upstream behind it) is the caller's job.
 */
import { cpus } from 'node:os';
import { benchExitCode } from './exit-code.js';
import { DEFAULT_CONNECTIONS, DEFAULT_DURATION_SEC, runLoad, type LoadOptions, type LoadResult } from './load.js';
import { cpuSeconds } from './pin.js';
import { MAX_BODY_BYTES, MIN_BODY_BYTES, startReferenceServer } from './reference-server.js';
import { writeBenchReport, type BenchReport, type SameBytesReference, type ScenarioResult } from './report.js';
import { ResponseTally } from './response-tally.js';
import { SCENARIO_NAMES, getScenario, seedCorpus, type Scenario, type ScenarioContext } from './scenarios.js';
import { evaluateThresholds, parseThresholds, type Threshold } from './thresholds.js';

/** Seconds of unmeasured load before each scenario: JIT, caches and pools settle. */
export const DEFAULT_WARMUP_SEC = 2;
/** Collection the seed corpus goes into. */
export const DEFAULT_BENCH_COLLECTION = 'bench';

export interface BenchOptions {
  /** ragd's origin, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /**
   * Full URL of a reference POST route (`bench/reference-server.ts` run as its own process is the
   * fair choice when ragd runs in another process). Omitted: one is started in this process.
   */
  readonly referenceUrl?: string;
  readonly scenarios: readonly (Scenario | string)[];
  /** Defaults to 10. */
  readonly connections?: number;
  /** Defaults to 10 s. */
  readonly durationSec?: number;
  /** Defaults to 2 s. */
  readonly warmupSec?: number;
  /** Expressions (`p95<200`, `exact_hit:p99<5`) or parsed thresholds. */
  readonly thresholds?: readonly (string | Threshold)[];
  readonly jsonOut?: string;
  readonly svgOut?: string;
  /** Extra headers on every request, e.g. authorization. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Defaults to `bench`. */
  readonly collection?: string;
  /** Seed corpus size in documents (default SEED_DOCUMENTS). */
  readonly corpusDocuments?: number;
  /** The fake upstream behind ragd (bench/fake-openai.ts), required to verify `provider`. */
  readonly upstream?: { stats(): { readonly chat: number } };
  /** Progress bar on stderr; defaults to on when stderr is a TTY. */
  readonly progress?: boolean;
  /** Status lines ("seeding corpus", "running exact-hit"); defaults to none. */
  readonly log?: (line: string) => void;
  /**
   * Process ids of the servers behind `baseUrl` and `referenceUrl`, when they run as their own
   * processes: their CPU time over each measured run (from /proc) is reported per request.
   */
  readonly serverPid?: number;
  readonly referencePid?: number;
  /** How the processes were placed on CPUs, for the report (see bench/pin.ts). */
  readonly placement?: string;
  /**
   * After each scenario, load the reference's `/bytes/<n>` route with the scenario's requests, n
   * being the scenario's mean answer size (default true; skipped with a log line when the
   * reference has no such route). See ScenarioResult.sameBytesReference.
   */
  readonly sameBytesReference?: boolean;
}

/**
 * The same-bytes reference for one scenario: the bare route answering the scenario's own requests
 * with a body of `bytes` bytes, warmed up and measured like the scenario. Undefined when there were
 * no 2xx answers or the reference has no `/bytes/<n>` route (an external reference of another kind).
 */
async function measureSameBytes(
  referenceUrl: string,
  bytes: number,
  scenario: Scenario,
  ctx: ScenarioContext,
  load: { connections: number; durationSec: number; warmupSec: number; headers: Readonly<Record<string, string>>; progress?: boolean },
  pid: number | undefined,
  log: (line: string) => void,
): Promise<SameBytesReference | undefined> {
  if (bytes < MIN_BODY_BYTES) return undefined;
  const url = `${referenceUrl.replace(/\/+$/, '')}/bytes/${Math.min(bytes, MAX_BODY_BYTES)}`;
  const bodies = scenario.bodies(ctx);
  const probe = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(typeof bodies === 'function' ? bodies(0) : bodies[0]) }).catch(() => undefined);
  await probe?.arrayBuffer();
  if (probe?.status !== 200) {
    log(`no same-bytes reference for ${scenario.name}: ${url} answered ${probe?.status ?? 'nothing'}`);
    return undefined;
  }
  log(`same-bytes reference for ${scenario.name} (${bytes} bytes)`);
  const { load: r, cpuUsPerRequest } = await measured(pid, { ...load, headers: { ...load.headers, ...scenario.headers }, url, bodies });
  return { bytes, rps: r.rps, p99: r.latency.p99, ...(cpuUsPerRequest === undefined ? {} : { cpuUsPerRequest }) };
}

/** A load run plus, when the server's pid is known, its CPU time per answered request. */
async function measured(pid: number | undefined, options: LoadOptions): Promise<{ load: LoadResult; cpuUsPerRequest?: number }> {
  let before = Number.NaN;
  const load = await runLoad({
    ...options,
    onMeasureStart: () => {
      options.onMeasureStart?.();
      if (pid !== undefined) before = cpuSeconds(pid);
    },
  });
  if (pid === undefined) return { load };
  const used = cpuSeconds(pid) - before;
  return Number.isFinite(used) && load.requests > 0 ? { load, cpuUsPerRequest: (used * 1e6) / load.requests } : { load };
}

/**
 * Runs the reference, seeds, then each scenario (seed, warm-up, measured run, verification),
 * evaluates thresholds against the scenarios and writes the JSON/SVG files asked for.
 * Throws RagdError `RAGD_ERR_CONFIG` for an unknown scenario or an unparseable threshold
 * (before any load is sent), and the seeding request's error if seeding fails.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const scenarios = options.scenarios.map((s) => (typeof s === 'string' ? getScenario(s) : s));
  const thresholds = [
    ...parseThresholds(options.thresholds?.filter((t): t is string => typeof t === 'string') ?? [], SCENARIO_NAMES),
    ...(options.thresholds?.filter((t): t is Threshold => typeof t !== 'string') ?? []),
  ];
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  const durationSec = options.durationSec ?? DEFAULT_DURATION_SEC;
  const warmupSec = options.warmupSec ?? DEFAULT_WARMUP_SEC;
  const log = options.log ?? (() => undefined);
  const ctx: ScenarioContext = {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    collection: options.collection ?? DEFAULT_BENCH_COLLECTION,
    ...(options.corpusDocuments === undefined ? {} : { corpusDocuments: options.corpusDocuments }),
    headers: options.headers ?? {},
  };
  const load = {
    connections,
    durationSec,
    warmupSec,
    headers: ctx.headers,
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  };
  const startedAt = new Date().toISOString();

  const ownReference = options.referenceUrl === undefined ? await startReferenceServer() : undefined;
  const referenceUrl = options.referenceUrl ?? ownReference?.url ?? '';
  let reference: LoadResult;
  let referenceCpu: number | undefined;
  const referenceBody = [{ query: 'reference request of a typical size' }];
  /** The reference again, after a scenario, without warm-up: it brackets each scenario (see ScenarioResult.reference). */
  const measureReference = () => measured(options.referencePid, { ...load, warmupSec: 0, url: referenceUrl, bodies: referenceBody });
  try {
    log(`reference: ${referenceUrl}`);
    const r = await measured(options.referencePid, { ...load, url: referenceUrl, bodies: referenceBody });
    reference = r.load;
    referenceCpu = r.cpuUsPerRequest;
  } catch (err) {
    await ownReference?.close();
    throw err;
  }
  let before = { rps: reference.rps, cpu: referenceCpu };
  const mean = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? undefined : (x + y) / 2);

  const results: ScenarioResult[] = [];
  try {
    if (scenarios.some((s) => s.needsCorpus)) {
      log(`seeding collection ${ctx.collection}`);
      await seedCorpus(ctx);
    }
    for (const scenario of scenarios) {
      if (scenario.seed) {
        log(`seeding ${scenario.name}`);
        await scenario.seed(ctx);
      }
      log(`running ${scenario.name}`);
      const tally = new ResponseTally();
      let upstreamBefore = 0;
      const { load: result, cpuUsPerRequest } = await measured(options.serverPid, {
        ...load,
        headers: { ...load.headers, ...scenario.headers },
        url: `${ctx.baseUrl}${scenario.path}`,
        bodies: scenario.bodies(ctx),
        onMeasureStart: () => {
          upstreamBefore = options.upstream?.stats().chat ?? 0;
        },
        onResponse: (status, headers, body) => tally.record(status, headers, body),
      });
      const upstreamChatCalls = options.upstream ? options.upstream.stats().chat - upstreamBefore : undefined;
      const verification = scenario.verify(tally, upstreamChatCalls === undefined ? {} : { upstreamChatCalls });
      const sameBytes =
        options.sameBytesReference === false ? undefined : await measureSameBytes(referenceUrl, tally.meanOkBodyBytes(), scenario, ctx, load, options.referencePid, log);
      log(`reference after ${scenario.name}`);
      const after = await measureReference();
      const bracketCpu = mean(before.cpu, after.cpuUsPerRequest);
      results.push({
        name: scenario.name,
        description: scenario.description,
        load: result,
        ...(cpuUsPerRequest === undefined ? {} : { cpuUsPerRequest }),
        verification,
        tally: tally.toJSON(),
        reference: { rps: (before.rps + after.load.rps) / 2, ...(bracketCpu === undefined ? {} : { cpuUsPerRequest: bracketCpu }) },
        ...(sameBytes === undefined ? {} : { sameBytesReference: sameBytes }),
      });
      before = { rps: after.load.rps, cpu: after.cpuUsPerRequest };
    }
  } finally {
    await ownReference?.close();
  }

  const verdicts = evaluateThresholds(
    thresholds,
    results.map((r) => ({
      name: r.name,
      metrics: {
        p50: r.load.latency.p50,
        p95: r.load.latency.p95,
        p99: r.load.latency.p99,
        avg: r.load.latency.avg,
        max: r.load.latency.max,
        rps: r.load.rps,
        errors: r.load.errorRate,
        ...r.verification.metrics,
      },
    })),
  );
  const report: BenchReport = {
    startedAt,
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    },
    config: {
      baseUrl: ctx.baseUrl,
      referenceUrl,
      connections,
      durationSec,
      warmupSec,
      ...(options.placement ? { placement: options.placement } : {}),
    },
    reference,
    ...(referenceCpu === undefined ? {} : { referenceCpuUsPerRequest: referenceCpu }),
    scenarios: results,
    thresholds: verdicts,
    exitCode: benchExitCode({ verdicts, verifications: results.map((r) => r.verification) }),
  };
  await writeBenchReport(report, { jsonOut: options.jsonOut, svgOut: options.svgOut });
  return report;
}
