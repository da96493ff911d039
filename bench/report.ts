/**
 * A benchmark run's report: the shape of the results, a terminal table (req/s, latency, errors
 * and the ratio to the same-run Fastify reference), JSON, and an SVG chart of req/s and p99.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatTable } from '../src/eval/text-table.js';
import type { LoadResult } from './load.js';
import type { Verification } from './scenarios.js';
import { renderBarChartSvg } from './svg-chart.js';
import type { ThresholdVerdict } from './thresholds.js';

/** One scenario's figures and its verification. */
export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly load: LoadResult;
  /** Server CPU time (user + system, from /proc) per answered request over the measured run, µs. */
  readonly cpuUsPerRequest?: number;
  readonly verification: Verification;
  /** The counts behind the verification (statuses, x-cache values, degraded answers). */
  readonly tally: Readonly<Record<string, unknown>>;
  /**
   * The reference as measured right before and right after this scenario (mean of the two): what
   * its ratios are taken against, since this VM slows down under sustained load and a reference
   * measured once, first, after a pause would flatter itself against later scenarios.
   */
  readonly reference?: { readonly rps: number; readonly cpuUsPerRequest?: number };
  /**
   * The bare route answering this scenario's requests with a body of the scenario's mean answer
   * size, measured right after it: the ratio to it is ragd's own work, the rest of the ratio to
   * the plain reference is the cost of sending larger answers (targets are judged against the plain one).
   */
  readonly sameBytesReference?: SameBytesReference;
}

/** See ScenarioResult.sameBytesReference. */
export interface SameBytesReference {
  /** Body size sent, bytes (the scenario's mean 2xx answer as sent). */
  readonly bytes: number;
  readonly rps: number;
  readonly p99: number;
  readonly cpuUsPerRequest?: number;
}

export interface BenchReport {
  /** ISO 8601 start time. */
  readonly startedAt: string;
  readonly environment: { readonly node: string; readonly platform: string; readonly cpus: number; readonly cpuModel: string };
  readonly config: {
    readonly baseUrl: string;
    readonly referenceUrl: string;
    readonly connections: number;
    readonly durationSec: number;
    readonly warmupSec: number;
    /** Where the servers and the load generator ran, e.g. `server pinned to CPU 1, load generator to CPU 0`. */
    readonly placement?: string;
  };
  /** The bare Fastify route under the same load, same run. */
  readonly reference: LoadResult;
  /** The reference server's CPU time per answered request, µs (when its pid was known). */
  readonly referenceCpuUsPerRequest?: number;
  readonly scenarios: readonly ScenarioResult[];
  readonly thresholds: readonly ThresholdVerdict[];
  /** What the process should exit with (see exit-code.ts). */
  readonly exitCode: number;
}

/** Name of the reference row in tables and charts. */
export const REFERENCE_NAME = 'reference (bare Fastify)';

/**
 * The report as terminal text: one row per scenario after the reference row, then each
 * threshold verdict and each failed verification.
 */
export function formatBenchTable(report: BenchReport): string {
  const refRps = report.reference.rps;
  const refCpu = report.referenceCpuUsPerRequest;
  const withCpu = refCpu !== undefined;
  const ms = (x: number): string => x.toFixed(2);
  const row = (name: string, l: LoadResult, cpu: number | undefined, verified: string, ref?: ScenarioResult['reference']): string[] => {
    const rRps = ref?.rps ?? refRps;
    const rCpu = ref?.cpuUsPerRequest ?? refCpu;
    return [
      name,
      Math.round(l.rps).toLocaleString('en-US'),
      ms(l.latency.p50),
      ms(l.latency.p95),
      ms(l.latency.p99),
      `${(l.errorRate * 100).toFixed(2)}%`,
      rRps > 0 ? `${(l.rps / rRps).toFixed(3)}x` : 'n/a',
      ...(withCpu ? [cpu === undefined ? 'n/a' : cpu.toFixed(1), cpu === undefined || rCpu === undefined ? 'n/a' : `${(rCpu / cpu).toFixed(3)}x`] : []),
      verified,
    ];
  };
  const table = formatTable(
    ['scenario', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'vs ref', ...(withCpu ? ['CPU µs/req', 'CPU vs ref'] : []), 'verified'],
    [
      row(REFERENCE_NAME, report.reference, refCpu, '-'),
      ...report.scenarios.map((s) => row(s.name, s.load, s.cpuUsPerRequest, s.verification.ok ? 'yes' : 'NO', s.reference)),
    ],
  );
  const lines = [
    `${report.config.connections} connections, ${report.config.durationSec} s each after ${report.config.warmupSec} s warm-up; ` +
      `${report.environment.cpus} x ${report.environment.cpuModel}, Node ${report.environment.node}` +
      (report.config.placement ? `; ${report.config.placement}` : ''),
    table,
  ];
  // Throughput per CPU: on a saturated core, req/s is 1 / CPU time per request, so the CPU ratio is
  // the throughput ratio with the noise of other processes on the machine taken out.
  if (report.scenarios.some((s) => s.reference !== undefined)) lines.push('vs ref: against the reference measured right before and right after each scenario (mean of the two); the reference row is its first run.');
  if (withCpu) lines.push('CPU vs ref = reference CPU per request / scenario CPU per request (server process, utime + stime).');
  const sameBytes = report.scenarios.filter((s) => s.sameBytesReference !== undefined);
  if (sameBytes.length > 0) {
    lines.push(
      '',
      'same-bytes reference: the bare route answering each scenario\'s requests with a body of its mean answer size (ratios to it are ragd\'s own work):',
      formatTable(
        ['scenario', 'body bytes', 'ref req/s', 'ref p99 ms', 'vs same-bytes ref', ...(withCpu ? ['ref CPU µs/req', 'CPU vs same-bytes ref'] : []), 'plain ref / same-bytes ref'],
        sameBytes.map((s) => {
          const b = s.sameBytesReference as SameBytesReference;
          const plain = s.reference?.rps ?? refRps;
          return [
            s.name,
            String(b.bytes),
            Math.round(b.rps).toLocaleString('en-US'),
            ms(b.p99),
            b.rps > 0 ? `${(s.load.rps / b.rps).toFixed(3)}x` : 'n/a',
            ...(withCpu ? [b.cpuUsPerRequest === undefined ? 'n/a' : b.cpuUsPerRequest.toFixed(1), b.cpuUsPerRequest === undefined || s.cpuUsPerRequest === undefined ? 'n/a' : `${(b.cpuUsPerRequest / s.cpuUsPerRequest).toFixed(3)}x`] : []),
            plain > 0 ? `${(b.rps / plain).toFixed(3)}x` : 'n/a',
          ];
        }),
      ),
    );
  }
  for (const s of report.scenarios) {
    if (!s.verification.ok) lines.push(`UNVERIFIED ${s.name}: ${s.verification.detail}`);
  }
  if (report.thresholds.length > 0) lines.push('', 'thresholds:');
  for (const v of report.thresholds) {
    const actual = v.actual === undefined ? '' : ` (actual ${Number(v.actual.toPrecision(4))})`;
    const reason = v.reason ? ` - ${v.reason}` : '';
    lines.push(`  ${v.status.toUpperCase().padEnd(7)} ${v.threshold}${v.scenario ? ` [${v.scenario}]` : ''}${actual}${reason}`);
  }
  return lines.join('\n');
}

/** The report as pretty-printed JSON (stable key order: as built). */
export function formatBenchJson(report: BenchReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** The SVG chart of req/s and p99 for the reference and every scenario. */
export function renderBenchSvg(report: BenchReport): string {
  return renderBarChartSvg([
    { name: REFERENCE_NAME, rps: report.reference.rps, p99: report.reference.latency.p99 },
    ...report.scenarios.map((s) => ({ name: s.name, rps: s.load.rps, p99: s.load.latency.p99 })),
  ]);
}

/** Writes the JSON and/or SVG files it is given paths for, creating their folders. */
export async function writeBenchReport(
  report: BenchReport,
  out: { jsonOut?: string | undefined; svgOut?: string | undefined },
): Promise<void> {
  if (out.jsonOut) {
    await mkdir(dirname(out.jsonOut), { recursive: true });
    await writeFile(out.jsonOut, formatBenchJson(report));
  }
  if (out.svgOut) {
    await mkdir(dirname(out.svgOut), { recursive: true });
    await writeFile(out.svgOut, renderBenchSvg(report));
  }
}
