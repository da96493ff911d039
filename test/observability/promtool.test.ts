// The deploy/ artifacts against promtool and against the registry: the Prometheus config, rules and
// alert unit tests pass promtool; the exposition lints clean; and every metric, label and label
// value that an alert, recording rule or dashboard mentions is one the registry really exports.
// promtool comes from the `prometheus` package; without it these checks skip locally and fail in CI.
import { test, describe, after } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetrics, LATENCY_SLO_THRESHOLDS_SECONDS } from '../../src/observability/metrics.js';
import { defaultSlos } from '../../src/observability/slo.js';
import {
  BREAKER_STATES,
  BURN_WINDOWS,
  CACHE_KINDS,
  DEPENDENCIES,
  EVENT_LOOP_STATS,
  POOL_STATES,
  PROVIDER_OUTCOMES,
  QUERY_CACHE_RESULTS,
  QUERY_STAGES,
  RATE_LIMIT_OUTCOMES,
  TOKEN_DIRECTIONS,
} from '../../src/observability/metric-names.js';

const PROM = join(process.cwd(), 'deploy', 'prometheus');
const GRAFANA = join(process.cwd(), 'deploy', 'grafana', 'dashboards');
const RULE_FILES = ['recording-rules.yml', 'alerts.yml'];

const metrics = createMetrics({ version: '0.0.0-test' });
after(() => metrics.close());

// ---- promtool ------------------------------------------------------------------------------------

const PROMTOOL_MISSING =
  'promtool not found: install it (apt-get install prometheus, or a Prometheus release tarball) to run these checks';
const promtoolFound = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).error === undefined;

/** True when promtool can run; otherwise skips the test locally and fails it in CI. */
function needPromtool(t: TestContext): boolean {
  if (promtoolFound) return true;
  if (process.env.CI === 'true') assert.fail(PROMTOOL_MISSING);
  t.skip(PROMTOOL_MISSING);
  return false;
}

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const res = spawnSync('promtool', args, { cwd: PROM, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

// ---- reading the artifacts -------------------------------------------------------------------------

interface Rule {
  kind: 'alert' | 'record';
  name: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const unquote = (v: string): string => {
  const s = v.trim();
  if (s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1).replaceAll("''", "'");
  if (s.startsWith('"') && s.endsWith('"')) return JSON.parse(s) as string;
  return s;
};
const indentOf = (line: string): number => line.length - line.trimStart().length;

/**
 * Reads the rules of a Prometheus rule file written in this repository's layout (one `- alert:` or
 * `- record:` item per rule; `expr` inline or as a `|` block; `labels` as a flow map; `annotations`
 * as a block of `key: value`). The rule count is cross-checked against promtool below.
 */
function readRules(file: string): Rule[] {
  const lines = readFileSync(join(PROM, file), 'utf8').split('\n');
  const rules: Rule[] = [];
  let rule: Rule | undefined;
  let keyIndent = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const start = /^(\s*)- (alert|record):\s*(\S+)\s*$/.exec(line);
    if (start) {
      rule = { kind: start[2] as Rule['kind'], name: start[3] as string, expr: '', labels: {}, annotations: {} };
      rules.push(rule);
      keyIndent = (start[1] as string).length + 2;
      continue;
    }
    if (!rule || line.trim() === '' || line.trim().startsWith('#') || indentOf(line) !== keyIndent) continue;
    const kv = /^\s*(\w+):\s*(.*)$/.exec(line);
    if (!kv) continue;
    const [, key, rest = ''] = kv;
    const block: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1]?.trim() === '' || indentOf(lines[i + 1] as string) > keyIndent)) {
      block.push(lines[++i] as string);
    }
    if (key === 'expr') rule.expr = rest.trim() === '|' ? block.join('\n').trim() : rest.trim();
    else if (key === 'for') rule.for = rest.trim();
    else if (key === 'labels') {
      for (const [, k, v] of rest.matchAll(/(\w+):\s*([^,}\s]+)/g)) rule.labels[k as string] = v as string;
    } else if (key === 'annotations') {
      for (const b of block) {
        const a = /^\s*(\w+):\s*(.*)$/.exec(b);
        if (a) rule.annotations[a[1] as string] = unquote(a[2] as string);
      }
    }
  }
  return rules;
}

interface Dashboard {
  file: string;
  json: {
    uid?: string;
    schemaVersion?: number;
    __inputs?: { name: string; type: string; pluginId: string }[];
    panels: Panel[];
    templating: { list: { name: string; type: string; definition?: string; datasource?: unknown }[] };
  };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

const dashboards: Dashboard[] = readdirSync(GRAFANA)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, json: JSON.parse(readFileSync(join(GRAFANA, file), 'utf8')) as Dashboard['json'] }));
const panelsOf = (d: Dashboard): Panel[] => d.json.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/** Grafana variables replaced by values Prometheus can parse. */
function substituteVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replace(/\$\{?(\w+)\}?/g, (_, v: string) => (v === 'instance' ? '.*' : 'ragd'));
}

/** Every PromQL expression a dashboard runs: panel targets and variable queries (label_values). */
function dashboardExprs(d: Dashboard): string[] {
  const targets = panelsOf(d).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variables = d.json.templating.list
    .filter((v) => v.type === 'query' && v.definition)
    .map((v) => /^label_values\((.+),\s*\w+\)$/.exec(v.definition as string)?.[1] ?? (v.definition as string));
  return [...targets, ...variables].map(substituteVariables);
}

// ---- a small PromQL reader -------------------------------------------------------------------------

interface Selector {
  metric: string;
  matchers: { label: string; op: string; value: string }[];
}

const KEYWORDS = new Set(
  ['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan'],
);
/** Series that Prometheus itself produces, not ragd. */
const PROMETHEUS_SERIES = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

/** The metric selectors of an expression: every bare metric name, with its matchers if it has any. */
function selectors(expr: string): Selector[] {
  const out: Selector[] = [];
  // Selectors with matchers (`name{...}`); strings inside are intact at this point.
  const withMatchers = /([a-zA-Z_:][\w:]*)\s*\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}/g;
  for (const m of expr.matchAll(withMatchers)) {
    const pairs = (m[2] as string).matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g);
    const matchers = [...pairs].map(([, label, op, value]) => ({
      label: label as string,
      op: op as string,
      value: value as string,
    }));
    out.push({ metric: m[1] as string, matchers });
  }
  // Bare names: drop strings, matchers, ranges and grouping clauses, then take identifiers that are
  // not function calls, keywords or numbers.
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/([a-zA-Z_:][\w:]*)\s*\{[^}]*\}/g, ' ')
    .replace(/\{[^}]*\}|\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    const name = m[1] as string;
    if (!KEYWORDS.has(name)) out.push({ metric: name, matchers: [] });
  }
  return out;
}

// The registry as the deploy/ artifacts may see it: metric names, their label names and buckets.
const registryMetrics = new Map<string, { type: string; labels: Set<string>; buckets: number[] }>();
for (const metric of metrics.registry.getMetricsAsArray()) {
  // `type` is prom-client's metric type ('counter', 'histogram', ...), also for ragd's subclasses (prom-series.ts).
  const m = metric as unknown as { name: string; type: string; labelNames?: string[]; upperBounds?: number[] };
  registryMetrics.set(m.name, { type: m.type, labels: new Set(m.labelNames ?? []), buckets: m.upperBounds ?? [] });
}
const SUFFIXES = ['_bucket', '_sum', '_count'];
/** Resolves a series name to its registry metric (histogram series map to the histogram). */
function metricOf(series: string): { name: string; suffix: string } | undefined {
  if (registryMetrics.has(series)) return { name: series, suffix: '' };
  for (const s of SUFFIXES) {
    const base = series.slice(0, -s.length);
    if (series.endsWith(s) && registryMetrics.get(base)?.type === 'histogram') return { name: base, suffix: s };
  }
  return undefined;
}

/** Closed label sets, per metric where the same label name means different things. */
const CLOSED_VALUES: Record<string, Record<string, readonly string[]>> = {
  '*': {
    stage: QUERY_STAGES,
    cache: QUERY_CACHE_RESULTS,
    kind: CACHE_KINDS,
    dependency: DEPENDENCIES,
    direction: TOKEN_DIRECTIONS,
    from: BREAKER_STATES,
    to: BREAKER_STATES,
    window: BURN_WINDOWS,
    degraded: ['true', 'false'],
  },
  provider_requests_total: { outcome: PROVIDER_OUTCOMES },
  rate_limit_requests_total: { outcome: RATE_LIMIT_OUTCOMES },
  http_pool_connections: { state: POOL_STATES },
  nodejs_eventloop_delay_seconds: { stat: EVENT_LOOP_STATS },
};
/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance']);

const recordNames = new Set(RULE_FILES.flatMap((f) => readRules(f)).filter((r) => r.kind === 'record').map((r) => r.name));

/** Problems with one expression: unknown metrics, labels the metric lacks, values outside a closed set. */
function problems(where: string, expr: string): string[] {
  const found: string[] = [];
  for (const sel of selectors(expr)) {
    if (PROMETHEUS_SERIES.has(sel.metric) || recordNames.has(sel.metric)) continue;
    const resolved = metricOf(sel.metric);
    if (!resolved) {
      found.push(`${where}: unknown metric ${sel.metric}`);
      continue;
    }
    const info = registryMetrics.get(resolved.name) as { labels: Set<string>; buckets: number[] };
    for (const { label, op, value } of sel.matchers) {
      if (TARGET_LABELS.has(label)) continue;
      if (label === 'le' && resolved.suffix === '_bucket') {
        if (!info.buckets.some((b) => String(b) === value)) found.push(`${where}: ${sel.metric} has no bucket le="${value}"`);
        continue;
      }
      if (!info.labels.has(label)) {
        found.push(`${where}: ${resolved.name} has no label ${label}`);
        continue;
      }
      const closed = CLOSED_VALUES[resolved.name]?.[label] ?? CLOSED_VALUES['*']?.[label];
      // Check `=` values and `=~` alternations of plain words; patterns like 5.. are left alone.
      const literals = op === '=' ? [value] : op === '=~' && /^[\w|]+$/.test(value) ? value.split('|') : [];
      for (const v of closed ? literals : []) {
        if (!closed?.includes(v)) found.push(`${where}: ${resolved.name}{${label}="${v}"} is outside {${closed?.join(',')}}`);
      }
    }
  }
  return found;
}

// ---- tests -----------------------------------------------------------------------------------------

describe('promtool', () => {
  test('prometheus.yml is a valid config and loads both rule files', (t) => {
    if (!needPromtool(t)) return;
    const res = promtool(['check', 'config', 'prometheus.yml']);
    assert.equal(res.status, 0, res.output);
    for (const f of RULE_FILES) assert.match(res.output, new RegExp(`Checking ${f.replace('.', '\\.')}`));
  });

  test('rule files are valid, and this test reads the same number of rules as promtool', (t) => {
    if (!needPromtool(t)) return;
    for (const f of RULE_FILES) {
      const res = promtool(['check', 'rules', f]);
      assert.equal(res.status, 0, res.output);
      const count = Number(/SUCCESS: (\d+) rules found/.exec(res.output)?.[1]);
      assert.equal(readRules(f).length, count, `${f}: parsed ${readRules(f).length} rules, promtool found ${count}`);
    }
  });

  test('alert unit tests pass (promtool test rules alerts.test.yml)', (t) => {
    if (!needPromtool(t)) return;
    const res = promtool(['test', 'rules', 'alerts.test.yml']);
    assert.equal(res.status, 0, res.output);
  });

  test('the exposition of ragd metrics lints clean (promtool check metrics)', async (t) => {
    if (!needPromtool(t)) return;
    const m = createMetrics({ collectDefault: false, version: '0.1.0' });
    try {
      m.recordHttpRequest({ route: '/v1/query', method: 'POST', status: 200 }, 0.2);
      m.queryDuration.observe({ stage: 'total' }, 1.1);
      m.queries.inc({ mode: 'hybrid', cache: 'miss', degraded: false });
      m.ingestFailures.inc({ reason: 'parse' });
      m.recordProviderCall({ dependency: 'embedding', provider: 'ollama', outcome: 'failure' }, 0.3);
      m.providerTokens.inc({ dependency: 'embedding', provider: 'ollama', direction: 'in' }, 120);
      m.recordBreakerTransition('embedding:ollama', 'closed', 'open');
      m.breakerFailures.inc({ name: 'embedder' });
      m.retries.inc({ name: 'embedder' });
      m.bulkheadRejections.inc({ name: 'generator' });
      m.bulkheadActive.set({ name: 'generator' }, 2);
      m.bulkheadQueued.set({ name: 'generator' }, 1);
      m.shedRequests.inc({ reason: 'event_loop' });
      m.degradedResponses.inc({ reason: 'lexical_only' });
      m.cacheHits.inc({ tier: 'memory', kind: 'exact' });
      m.cacheMisses.inc({ kind: 'semantic' });
      m.cacheErrors.inc({ tier: 'redis' });
      m.cacheEntries.set({ tier: 'memory' }, 10);
      m.cacheEvictions.inc({ tier: 'memory' });
      m.cacheLookupDuration.observe({ tier: 'memory' }, 0.0002);
      m.semanticSimilarity.observe(0.97);
      m.semanticGuardRejections.inc({ reason: 'negation' });
      m.rateLimitRequests.inc({ route_class: 'query', outcome: 'limited' });
      m.setPoolStats('ollama', { connected: 1, free: 0, pending: 0, running: 1, size: 1 });
      m.sloObjective.set({ slo: 'availability' }, 0.999);
      m.sloErrorBudgetRemaining.set({ slo: 'availability' }, 0.8);
      m.sloBurnRate.set({ slo: 'availability', window: '5m' }, 0.4);
      m.recordHttpRequest({ route: 'free text here', method: 'GET', status: 200 }, 0.1); // counted overflow
      const res = promtool(['check', 'metrics'], (await m.exposition()).body);
      assert.equal(res.status, 0, res.output);
      assert.equal(res.output.trim(), '');
    } finally {
      m.close();
    }
  });

  test("with default process metrics, the only lint findings are prom-client's own gauge names", async (t) => {
    if (!needPromtool(t)) return;
    const upstream = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);
    const res = promtool(['check', 'metrics'], (await metrics.exposition()).body);
    const findings = res.output.split('\n').filter((l) => l.trim() !== '');
    for (const line of findings) assert.ok(upstream.has(line.split(' ')[0] as string), `unexpected lint finding: ${line}`);
  });

  test('every dashboard query is valid PromQL', (t) => {
    if (!needPromtool(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'ragd-dashboards-'));
    try {
      const rules = dashboards.flatMap((d, i) =>
        dashboardExprs(d).map((expr, j) => `      - record: dashboard_${i}_${j}\n        expr: ${JSON.stringify(expr)}`),
      );
      const file = join(dir, 'dashboards.yml');
      writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join('\n')}\n`);
      const res = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      assert.equal(res.status, 0, `${res.stdout}${res.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/ stays in sync with the registry', () => {
  test('the PromQL reader finds names, labels and values', () => {
    const sel = selectors(
      'sum by (le, route) (rate(http_request_duration_seconds_bucket{job="ragd",status=~"5.."}[5m]))' +
        ' / ignoring(x) group_left up and on (job) ragd:x:y offset 1h > 1e3',
    );
    assert.deepEqual(
      sel.map((s) => s.metric),
      ['http_request_duration_seconds_bucket', 'up', 'ragd:x:y'],
    );
    assert.deepEqual(sel[0]?.matchers, [
      { label: 'job', op: '=', value: 'ragd' },
      { label: 'status', op: '=~', value: '5..' },
    ]);
    assert.deepEqual(problems('t', 'rag_queries_total{cache="hit"} + nope_total + rate(retries_total{reason="x"}[5m])'), [
      't: rag_queries_total{cache="hit"} is outside {exact,semantic,miss,bypass}',
      't: retries_total has no label reason',
      't: unknown metric nope_total',
    ]);
  });

  test('alerts and recording rules use only registry metrics, labels and values', () => {
    const found = RULE_FILES.flatMap((f) => readRules(f).flatMap((r) => problems(`${f} ${r.name}`, r.expr)));
    assert.deepEqual(found, []);
  });

  test('dashboards use only registry metrics, labels and values', () => {
    const found = dashboards.flatMap((d) => dashboardExprs(d).flatMap((expr) => problems(d.file, expr)));
    assert.deepEqual(found, []);
  });

  test('alert unit tests feed only registry series', () => {
    const text = readFileSync(join(PROM, 'alerts.test.yml'), 'utf8');
    const series = [...text.matchAll(/series:\s*'([^']+)'/g)].map((m) => m[1] as string);
    assert.ok(series.length > 10);
    assert.deepEqual(series.flatMap((s) => problems('alerts.test.yml', s)), []);
  });
});

describe('alert rules', () => {
  const alerts = readRules('alerts.yml').filter((r) => r.kind === 'alert');

  test('there are at least 25, with unique names', () => {
    assert.ok(alerts.length >= 25, `only ${alerts.length} alerts`);
    assert.equal(new Set(alerts.map((a) => a.name)).size, alerts.length);
  });

  test('each has a severity, a for duration, a summary, a description and its own runbook section', () => {
    for (const a of alerts) {
      assert.ok(['critical', 'warning'].includes(a.labels.severity ?? ''), `${a.name}: severity ${a.labels.severity}`);
      assert.match(a.for ?? '', /^\d+[smh]$/, `${a.name}: for`);
      assert.ok(a.annotations.summary, `${a.name}: summary`);
      assert.ok(a.annotations.description, `${a.name}: description`);
      assert.equal(a.annotations.runbook_url, `https://github.com/ragd-project/ragd/blob/main/docs/runbooks.md#${a.name.toLowerCase()}`);
    }
  });

  test('burn-rate alerts pair a long and a short window at the SRE workbook factors', () => {
    const burn = alerts.filter((a) => /BudgetBurn/.test(a.name));
    assert.equal(burn.length, 12);
    const pairs = burn.map((a) => [...a.expr.matchAll(/_rate(\w+)(?:\{[^}]*\})? > \(([\d.]+) \*/g)].map((m) => `${m[1]}@${m[2]}`).join('+'));
    for (const p of ['1h@14.4+5m@14.4', '6h@6+30m@6', '1d@3+2h@3', '3d@1+6h@1']) {
      assert.equal(pairs.filter((x) => x === p).length, 3, `${p} (availability, latency_p95, latency_p99)`);
    }
  });

  test('latency SLOs match the tracker: names, objectives and bucket thresholds', () => {
    const slos = defaultSlos();
    const records = readRules('recording-rules.yml').filter((r) => r.name.startsWith('ragd:rag_queries:latency_error_ratio_rate'));
    for (const def of slos.filter((d) => d.indicator.kind === 'latency')) {
      const thresholdMs = (def.indicator as { thresholdMs: number }).thresholdMs;
      const le = String(LATENCY_SLO_THRESHOLDS_SECONDS[def.name as keyof typeof LATENCY_SLO_THRESHOLDS_SECONDS]);
      assert.equal(Number(le) * 1000, thresholdMs, `${def.name}: deploy/ threshold equals the tracker's default`);
      const own = records.filter((r) => r.labels.slo === def.name);
      assert.equal(own.length, 7, `${def.name}: one recording rule per burn window`);
      for (const r of own) assert.match(r.expr, new RegExp(`le="${le.replace('.', '\\.')}"`), `${r.name}{slo="${def.name}"}`);
      const budget = Number((1 - def.objective).toFixed(6));
      const burns = alerts.filter((a) => a.labels.slo === def.name && /BudgetBurn/.test(a.name));
      assert.equal(burns.length, 4, def.name);
      for (const a of burns) {
        const terms = [...a.expr.matchAll(/\{slo="(\w+)"\} > \([\d.]+ \* ([\d.]+)\)/g)];
        assert.equal(terms.length, 2, `${a.name}: a long and a short window`);
        for (const m of terms) {
          assert.equal(m[1], def.name, a.name);
          assert.equal(Number(m[2]), budget, `${a.name}: budget 1 - ${def.objective}`);
        }
      }
    }
  });
});

describe('dashboards', () => {
  test('six importable dashboards with unique uids and the DS_PROMETHEUS input', () => {
    assert.equal(dashboards.length, 6);
    assert.equal(new Set(dashboards.map((d) => d.json.uid)).size, 6);
    for (const d of dashboards) {
      assert.ok(d.json.uid && d.json.uid.length <= 40, `${d.file}: uid`);
      assert.equal(d.json.schemaVersion, 39, d.file);
      assert.deepEqual(
        d.json.__inputs?.map((i) => [i.name, i.type, i.pluginId]),
        [['DS_PROMETHEUS', 'datasource', 'prometheus']],
      );
      const dsVariable = d.json.templating.list.some((v) => v.name === 'DS_PROMETHEUS' && v.type === 'datasource');
      assert.ok(dsVariable, `${d.file}: DS_PROMETHEUS variable`);
      for (const p of panelsOf(d).filter((x) => x.type !== 'row')) {
        assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `${d.file} / ${p.title}: datasource`);
        assert.ok((p.targets ?? []).length > 0, `${d.file} / ${p.title}: no queries`);
        for (const target of p.targets ?? []) assert.equal(target.datasource?.uid, '${DS_PROMETHEUS}');
      }
    }
  });
});
