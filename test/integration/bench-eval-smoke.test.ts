/**
 * Smoke runs of `ragd bench` and `ragd eval` against the real server paths, tiny sizes, no timing
 * assertions: each scenario must verify that it drove the path it measures (e.g. exact-hit answers
 * really carry X-Cache: exact from ragd itself), and eval must score every mode on the real set.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const DATASET = new URL('../../../shared/datasets/msmarco-5k', import.meta.url).pathname;

function ragd(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, RAGD_LOG_LEVEL: 'warn' } });
}

test('ragd bench: every scenario runs against a real ragd and verifies its path', { timeout: 200_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragd-bench-smoke-'));
  try {
    const json = join(dir, 'bench.json');
    const svg = join(dir, 'bench.svg');
    const res = ragd(['bench', '-d', '1', '-w', '0', '-c', '2', '--corpus', '40', '--json', json, '--svg', svg, '-t', 'errors<0.5']);
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { scenarios: { name: string; verification: { ok: boolean; detail: string }; load: { requests: number } }[]; reference: { requests: number } };
    assert.ok(report.reference.requests > 0);
    const names = report.scenarios.map((s) => s.name).sort();
    assert.deepEqual(names, ['cache-miss', 'exact-hit', 'exact-hit-br', 'ingest', 'provider', 'search', 'semantic-hit']);
    for (const s of report.scenarios) {
      assert.ok(s.load.requests > 0, `${s.name} sent requests`);
      assert.equal(s.verification.ok, true, `${s.name}: ${s.verification.detail}`);
    }
    assert.ok(readFileSync(svg, 'utf8').startsWith('<svg'));
    assert.match(res.stdout, /reference \(bare Fastify\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ragd bench: a failing threshold makes the command exit non-zero', { timeout: 120_000 }, () => {
  const res = ragd(['bench', '--scenarios', 'search', '-d', '1', '-w', '0', '-c', '1', '--corpus', '20', '-t', 'p50<0.0001']);
  assert.equal(res.status, 99, `${res.stdout}\n${res.stderr}`);
});

test('ragd eval scores lexical, vector and hybrid on msmarco-5k', { timeout: 180_000, skip: existsSync(DATASET) ? false : 'shared/datasets/msmarco-5k not found beside the repo' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragd-eval-smoke-'));
  try {
    const json = join(dir, 'eval.json');
    const res = ragd(['eval', DATASET, '--json', json]);
    assert.equal(res.status, 0, res.stderr);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { modes: { mode: string; ndcg10: number; queries: number }[] };
    assert.deepEqual(result.modes.map((m) => m.mode), ['lexical', 'vector', 'hybrid']);
    for (const m of result.modes) {
      assert.equal(m.queries, 43);
      assert.ok(m.ndcg10 > 0.5 && m.ndcg10 <= 1, `${m.mode} ${m.ndcg10}`);
    }
    // The issue's bar: lexical (or hybrid) reaches the reference BM25's 0.703.
    assert.ok(Math.max(...result.modes.map((m) => m.ndcg10)) >= 0.703);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ragd bench --soak samples RSS, heap, event-loop delay and errors over time', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragd-soak-smoke-'));
  try {
    const json = join(dir, 'soak.json');
    const res = ragd(['bench', '--soak', '0.2', '-c', '3', '--json', json]);
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { samples: { rssMb: number; heapMb: number; requests: number }[]; errors: number; requests: number };
    assert.ok(report.samples.length >= 2, 'at least two samples');
    for (const s of report.samples) assert.ok(s.rssMb > 0 && s.heapMb > 0);
    assert.ok(report.requests > 0);
    assert.equal(report.errors, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
