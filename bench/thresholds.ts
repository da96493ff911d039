/**
 * Pass/fail criteria for a benchmark run, written like k6 thresholds
 * (https://grafana.com/docs/k6/latest/using-k6/thresholds/): `p95<200`, `errors<0.01`,
 * `rps>1000`, or scoped to one scenario: `exact_hit:p95<5`.
 *
 * Metrics every scenario reports: p50, p95, p99, avg, max (milliseconds), rps (responses per
 * second), errors (failed / attempted, 0..1) and breaker_open_rate (0..1). Any other identifier
 * names an extra metric a scenario reports (e.g. `exact_hit_ratio`).
 */
import { RagdError } from '../src/errors/ragd-error.js';

/** Comparison operators, as in k6. */
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** The metrics every scenario reports; extra metrics are any other identifier. */
export const BUILTIN_METRICS = ['p50', 'p95', 'p99', 'avg', 'max', 'rps', 'errors', 'breaker_open_rate'] as const;

/** A parsed threshold. */
export interface Threshold {
  /** The expression as written. */
  readonly source: string;
  /** Scenario name (kebab-case, `exact_hit` is read as `exact-hit`); `undefined` = every scenario. */
  readonly scope: string | undefined;
  readonly metric: string;
  readonly op: ThresholdOp;
  /** In the metric's unit: milliseconds for latency, a 0..1 ratio for rates. */
  readonly value: number;
}

/** The figures one scenario reports, keyed by metric name. */
export interface ScenarioMetrics {
  readonly name: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** The outcome of one threshold against one scenario (or against none, when nothing matched). */
export interface ThresholdVerdict {
  readonly threshold: string;
  readonly scenario: string | undefined;
  readonly status: 'pass' | 'fail' | 'skipped';
  readonly actual: number | undefined;
  /** Why a verdict failed or was skipped without a comparison. */
  readonly reason?: string;
}

const LATENCY = /^(p\d+(_\d+)?|avg|max)$/;
const EXPRESSION =
  /^(?:([A-Za-z][\w-]*)\s*:\s*)?(p\(\d+(?:\.\d+)?\)|[A-Za-z_]\w*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(ms|s|%)?$/;

/** Scenario names compare case-insensitively with `_` and `-` equivalent. */
export function normaliseScenarioName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/**
 * Parses one expression. `p(95)` (k6 spelling) is read as `p95`; a value may carry `ms` or `s`
 * (latency metrics only) or `%` (divided by 100). When `knownScenarios` is given, a scope must
 * name one of them, so a typo cannot turn a threshold into a silent skip.
 * Throws RagdError `RAGD_ERR_CONFIG` (details `{ expression }`) for anything else.
 *
 * @example parseThreshold('exact_hit:p95<5') // { scope: 'exact-hit', metric: 'p95', op: '<', value: 5, ... }
 */
export function parseThreshold(expression: string, knownScenarios?: readonly string[]): Threshold {
  const source = expression.trim();
  const m = EXPRESSION.exec(source);
  const fail = (why: string): RagdError =>
    new RagdError('RAGD_ERR_CONFIG', `invalid threshold ${JSON.stringify(expression)}: ${why}`, { details: { expression } });
  if (!m) throw fail('expected [scenario:]metric<op>number, e.g. "p95<200" or "exact_hit:p99<=5" (operators < <= > >= == !=)');
  const [, rawScope, rawMetric = '', op = '<', rawValue = '', unit] = m;
  const metric = rawMetric.replace(/^p\((\d+)(?:\.(\d+))?\)$/, (_s, a: string, b?: string) => (b ? `p${a}_${b}` : `p${a}`));
  let value = Number(rawValue);
  if (unit === '%') value /= 100;
  else if (unit === 's' || unit === 'ms') {
    if (!LATENCY.test(metric)) throw fail(`unit "${unit}" only applies to latency metrics (p50, p95, p99, avg, max)`);
    if (unit === 's') value *= 1000;
  }
  const scope = rawScope === undefined ? undefined : normaliseScenarioName(rawScope);
  if (scope !== undefined && knownScenarios && !knownScenarios.some((s) => normaliseScenarioName(s) === scope)) {
    throw fail(`unknown scenario "${rawScope}" (known: ${knownScenarios.join(', ')})`);
  }
  return { source, scope, metric, op: op as ThresholdOp, value };
}

/**
 * Parses a list of expressions; each entry may hold several separated by commas or semicolons
 * (handy for one CLI flag or environment variable). Empty entries are ignored.
 */
export function parseThresholds(expressions: readonly string[], knownScenarios?: readonly string[]): Threshold[] {
  return expressions
    .flatMap((e) => e.split(/[,;]/))
    .filter((e) => e.trim() !== '')
    .map((e) => parseThreshold(e, knownScenarios));
}

/** Whether `actual op limit` holds. */
export function compare(actual: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}

/**
 * Checks every threshold against the scenarios of a run (leave the reference out).
 * - Scoped: compared with that scenario; `skipped` if the scenario was not run; `fail` if it does
 *   not report the metric.
 * - Unscoped: compared with every scenario that reports the metric (one verdict each); `fail` if
 *   none does, since that is almost always a misspelt metric.
 * A NaN figure fails.
 */
export function evaluateThresholds(thresholds: readonly Threshold[], scenarios: readonly ScenarioMetrics[]): ThresholdVerdict[] {
  const verdicts: ThresholdVerdict[] = [];
  const judge = (t: Threshold, s: ScenarioMetrics): ThresholdVerdict => {
    const actual = s.metrics[t.metric];
    if (actual === undefined) {
      return { threshold: t.source, scenario: s.name, status: 'fail', actual, reason: `scenario does not report "${t.metric}"` };
    }
    return { threshold: t.source, scenario: s.name, status: compare(actual, t.op, t.value) ? 'pass' : 'fail', actual };
  };
  for (const t of thresholds) {
    if (t.scope !== undefined) {
      const s = scenarios.find((x) => normaliseScenarioName(x.name) === t.scope);
      verdicts.push(
        s ? judge(t, s) : { threshold: t.source, scenario: t.scope, status: 'skipped', actual: undefined, reason: 'scenario not run' },
      );
      continue;
    }
    const reporting = scenarios.filter((s) => s.metrics[t.metric] !== undefined);
    if (reporting.length === 0) {
      verdicts.push({
        threshold: t.source,
        scenario: undefined,
        status: 'fail',
        actual: undefined,
        reason: `no scenario reports "${t.metric}"`,
      });
    }
    for (const s of reporting) verdicts.push(judge(t, s));
  }
  return verdicts;
}
