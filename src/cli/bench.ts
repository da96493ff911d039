/**
 * `ragd bench`: load-tests ragd's real paths and a bare Fastify route in the same run. ragd runs as
 * its own process with embedded defaults and a temporary data directory; the reference route runs
 * in another process, so both are measured the same way. With the `provider` scenario, a second ragd
 * is started with the OpenAI-compatible generator pointed at an in-process fake upstream with
 * configurable latency and failure rate. Exits non-zero when a threshold fails (99) or a scenario
 * did not drive the path it claims to measure (98).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenAi } from '../../bench/fake-openai.js';
import { formatBenchTable, writeBenchReport, type BenchReport } from '../../bench/report.js';
import { startReferenceProcess } from '../../bench/reference-process.js';
import { runBench } from '../../bench/run.js';
import { placeLoadGenerator } from '../../bench/pin.js';
import { SCENARIO_NAMES } from '../../bench/scenarios.js';
import { spawnServer, stopServer, type ChildServer } from './spawn-server.js';

export interface BenchCommandOptions {
  scenarios: string;
  connections: number;
  duration: number;
  warmup: number;
  corpus?: number;
  threshold: string[];
  json?: string;
  svg?: string;
  upstreamLatency: number;
  upstreamFailureRate: number;
  /** `--no-same-bytes` sets it false. */
  sameBytes?: boolean;
}

function merge(a: BenchReport, b: BenchReport): BenchReport {
  return { ...a, scenarios: [...a.scenarios, ...b.scenarios], thresholds: [...a.thresholds, ...b.thresholds], exitCode: Math.max(a.exitCode, b.exitCode) };
}

export async function benchCommand(options: BenchCommandOptions): Promise<number> {
  const names = options.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(SCENARIO_NAMES as readonly string[]).includes(n)) throw new Error(`unknown scenario '${n}'; use ${SCENARIO_NAMES.join(', ')}`);
  const local = names.filter((n) => n !== 'provider');
  const dirs: string[] = [];
  const servers: ChildServer[] = [];
  const log = (line: string) => console.error(`bench: ${line}`);
  // Servers on the last CPU, this process (the load generator) on the others: on a small machine
  // they would otherwise compete for cores, and the run would measure the scheduler.
  const placement = placeLoadGenerator();
  const reference = await startReferenceProcess();
  placement.pinServer(reference.child.pid!);
  const upstream = names.includes('provider') ? await startFakeOpenAi({ latencyMs: options.upstreamLatency, failEvery: failEvery(options.upstreamFailureRate) }) : undefined;
  const start = async (env: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'ragd-bench-'));
    dirs.push(dir);
    // Shedding and rate limits are lifted so the benchmark measures the paths, not the guards. The
    // server's log lines go to /dev/null (still formatted and written) rather than being read here,
    // where parsing them would take CPU from the load generator.
    const server = await spawnServer({
      env: { RAGD_DATA_DIR: dir, RAGD_SQLITE_SYNCHRONOUS: 'full', RAGD_SHED_MAX_IN_FLIGHT: '100000', RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS: '600000', RAGD_RATE_LIMIT: 'off', ...env },
      stdout: 'ignore',
    });
    placement.pinServer(server.child.pid!);
    servers.push(server);
    return server;
  };
  const common = {
    referenceUrl: reference.url,
    referencePid: reference.child.pid!,
    placement: placement.description,
    connections: options.connections,
    durationSec: options.duration,
    warmupSec: options.warmup,
    thresholds: options.threshold,
    log,
    sameBytesReference: options.sameBytes !== false,
    ...(options.corpus ? { corpusDocuments: options.corpus } : {}),
  };
  let report: BenchReport | undefined;
  try {
    if (local.length > 0) {
      const ragd = await start({});
      log(`ragd at ${ragd.url}, reference at ${reference.url}`);
      report = await runBench({ ...common, baseUrl: ragd.url, serverPid: ragd.child.pid!, scenarios: local });
    }
    if (upstream) {
      const ragd = await start({ RAGD_GENERATOR: 'openai', RAGD_OPENAI_BASE_URL: upstream.baseUrl, RAGD_OPENAI_API_KEY: 'bench' });
      log(`ragd (openai generator -> fake upstream ${upstream.baseUrl}) at ${ragd.url}`);
      const r = await runBench({ ...common, baseUrl: ragd.url, serverPid: ragd.child.pid!, scenarios: ['provider'], upstream });
      report = report ? merge(report, r) : r;
    }
  } finally {
    await Promise.all(servers.map((s) => stopServer(s)));
    await reference.stop();
    await upstream?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  if (!report) return 0;
  console.log(formatBenchTable(report));
  await writeBenchReport(report, { ...(options.json ? { jsonOut: options.json } : {}), ...(options.svg ? { svgOut: options.svg } : {}) });
  return report.exitCode;
}

/** The fake upstream fails every Nth call; a rate of 0.1 means every 10th. */
function failEvery(rate: number): number {
  return rate > 0 ? Math.max(1, Math.round(1 / rate)) : 0;
}
