// Benchmark report: terminal table, JSON and SVG chart.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from '../../bench/load.js';
import {
  REFERENCE_NAME,
  formatBenchJson,
  formatBenchTable,
  renderBenchSvg,
  writeBenchReport,
  type BenchReport,
} from '../../bench/report.js';
import { escapeXml } from '../../bench/svg-chart.js';

function load(rps: number, p99: number): LoadResult {
  return {
    requests: rps * 10,
    rps,
    latency: { p50: p99 / 4, p95: p99 / 2, p99, avg: p99 / 3, max: p99 * 2 },
    errors: 0,
    timeouts: 0,
    non2xx: 1,
    errorRate: 0.0125,
    statusCounts: { '200': rps * 10 - 1, '503': 1 },
    durationSec: 10,
  };
}

const report: BenchReport = {
  startedAt: '2025-01-01T00:00:00.000Z',
  environment: { node: 'v20.0.0', platform: 'linux-x64', cpus: 8, cpuModel: 'Test CPU' },
  config: { baseUrl: 'http://127.0.0.1:8080', referenceUrl: 'http://127.0.0.1:9/ref', connections: 10, durationSec: 10, warmupSec: 2 },
  reference: load(40000, 1.2),
  scenarios: [
    { name: 'exact-hit', description: 'd', load: load(20000, 2.5), verification: { ok: true, detail: 'fine', metrics: {} }, tally: {} },
    {
      name: 'search <&>',
      description: 'd',
      load: load(4000, 12),
      verification: { ok: false, detail: '50.00% had results', metrics: {} },
      tally: {},
    },
  ],
  thresholds: [
    { threshold: 'exact_hit:p95<5', scenario: 'exact-hit', status: 'pass', actual: 1.25 },
    { threshold: 'ingest:p99<9', scenario: 'ingest', status: 'skipped', actual: undefined, reason: 'scenario not run' },
  ],
  exitCode: 98,
};

describe('bench report', () => {
  test('table: a row per scenario after the reference, ratio to reference req/s, verdicts', () => {
    const text = formatBenchTable(report);
    assert.match(text, /scenario\s+req\/s\s+p50 ms\s+p95 ms\s+p99 ms\s+errors\s+vs ref\s+verified/);
    assert.match(
      text,
      new RegExp(`^${REFERENCE_NAME.replace(/[()]/g, '\\$&')}\\s+40,000\\s+0\\.30\\s+0\\.60\\s+1\\.20\\s+1\\.25%\\s+1\\.000x`, 'm'),
    );
    assert.match(text, /^exact-hit\s+20,000\s+.*0\.500x\s+yes$/m);
    assert.match(text, /^search <&>\s+4,000\s+.*0\.100x\s+NO$/m);
    assert.match(text, /UNVERIFIED search <&>: 50\.00% had results/);
    assert.match(text, /PASS\s+exact_hit:p95<5 \[exact-hit\] \(actual 1\.25\)/);
    assert.match(text, /SKIPPED ingest:p99<9 \[ingest\] - scenario not run/);
  });

  test("a scenario's ratios are taken against the reference measured around it, when given", () => {
    const bracketed: BenchReport = {
      ...report,
      referenceCpuUsPerRequest: 30,
      scenarios: [{ ...report.scenarios[0]!, cpuUsPerRequest: 60, reference: { rps: 25000, cpuUsPerRequest: 24 } }],
    };
    const text = formatBenchTable(bracketed);
    assert.match(text, /^exact-hit\s+20,000\s+.*0\.800x\s+60\.0\s+0\.400x\s+yes$/m);
    assert.match(text, /reference measured right before and right after each scenario/);
  });

  test('same-bytes reference: a second table with the ratio to the bare route sending bodies of the same size', () => {
    const withSameBytes: BenchReport = {
      ...report,
      referenceCpuUsPerRequest: 30,
      scenarios: [
        { ...report.scenarios[0]!, cpuUsPerRequest: 60, reference: { rps: 25000, cpuUsPerRequest: 24 }, sameBytesReference: { bytes: 4514, rps: 22000, p99: 1.5, cpuUsPerRequest: 27 } },
        report.scenarios[1]!,
      ],
    };
    const text = formatBenchTable(withSameBytes);
    // ragd 20,000 vs 22,000 same-bytes (0.909x), CPU 27/60 (0.450x), same-bytes 22,000 vs plain 25,000 (0.880x).
    assert.match(text, /^exact-hit\s+4514\s+22,000\s+1\.50\s+0\.909x\s+27\.0\s+0\.450x\s+0\.880x$/m);
    assert.doesNotMatch(text, /^search <&>\s+\d+\s+/m, 'no same-bytes row for a scenario without one');
    assert.doesNotMatch(formatBenchTable(report), /same-bytes/);
  });

  test('JSON round-trips', () => {
    assert.deepEqual(JSON.parse(formatBenchJson(report)), JSON.parse(JSON.stringify(report)));
  });

  test('SVG: one req/s bar and one p99 bar per row, names escaped', () => {
    const svg = renderBenchSvg(report);
    assert.ok(svg.startsWith('<svg'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    const rows = report.scenarios.length + 1;
    assert.equal(svg.match(/<rect class="bar rps"/g)?.length, rows);
    assert.equal(svg.match(/<rect class="bar p99"/g)?.length, rows);
    assert.ok(svg.includes('search &lt;&amp;&gt;'));
    assert.ok(!svg.includes('search <&>'));
    assert.equal(escapeXml(`a<b>&'"`), 'a&lt;b&gt;&amp;&apos;&quot;');
  });

  test('writes JSON and SVG files, creating folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragd-report-'));
    try {
      const jsonOut = join(dir, 'a', 'bench.json');
      const svgOut = join(dir, 'b', 'bench.svg');
      await writeBenchReport(report, { jsonOut, svgOut });
      assert.equal((JSON.parse(await readFile(jsonOut, 'utf8')) as BenchReport).exitCode, 98);
      assert.ok((await readFile(svgOut, 'utf8')).startsWith('<svg'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
