// Threshold parsing, evaluation and the exit-code decision.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_OK, EXIT_SCENARIO_UNVERIFIED, EXIT_THRESHOLDS_FAILED, benchExitCode } from '../../bench/exit-code.js';
import {
  compare,
  evaluateThresholds,
  parseThreshold,
  parseThresholds,
  type ScenarioMetrics,
  type ThresholdOp,
} from '../../bench/thresholds.js';
import { isRagdError } from '../../src/errors/ragd-error.js';

describe('parseThreshold', () => {
  test('built-in metrics with every operator', () => {
    assert.deepEqual(parseThreshold('p95<200'), { source: 'p95<200', scope: undefined, metric: 'p95', op: '<', value: 200 });
    assert.equal(parseThreshold('p99<=500').op, '<=');
    assert.equal(parseThreshold('errors<0.01').value, 0.01);
    assert.deepEqual(parseThreshold(' rps > 1000 '), { source: 'rps > 1000', scope: undefined, metric: 'rps', op: '>', value: 1000 });
    assert.equal(parseThreshold('breaker_open_rate<0.05').metric, 'breaker_open_rate');
    assert.equal(parseThreshold('max>=1e3').value, 1000);
    assert.equal(parseThreshold('avg==2').op, '==');
    assert.equal(parseThreshold('p50!=0').op, '!=');
  });

  test('scenario scope, k6 p(N) spelling, units and extra metrics', () => {
    const t = parseThreshold('exact_hit:p95<5');
    assert.equal(t.scope, 'exact-hit');
    assert.equal(t.metric, 'p95');
    assert.equal(parseThreshold('p(95)<200').metric, 'p95');
    assert.equal(parseThreshold('p(99.9)<200').metric, 'p99_9');
    assert.equal(parseThreshold('p99<1.5s').value, 1500);
    assert.equal(parseThreshold('p99<20ms').value, 20);
    assert.equal(parseThreshold('errors<1%').value, 0.01);
    assert.equal(parseThreshold('semantic-hit:semantic_hit_ratio>=0.99').metric, 'semantic_hit_ratio');
  });

  test('unparseable expressions are RAGD_ERR_CONFIG errors quoting the expression', () => {
    for (const bad of ['', 'p95', 'p95<', '<200', 'p95 << 200', 'p95<abc', 'p95=200', '9x<1', 'a:b:p95<1', 'rps>5ms']) {
      assert.throws(
        () => parseThreshold(bad),
        (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG' && err.message.includes(JSON.stringify(bad)),
        bad,
      );
    }
  });

  test('a scope must name a known scenario when the list is given', () => {
    assert.equal(parseThreshold('exact_hit:p95<5', ['exact-hit']).scope, 'exact-hit');
    assert.throws(() => parseThreshold('exakt_hit:p95<5', ['exact-hit']), /unknown scenario "exakt_hit"/);
  });

  test('parseThresholds splits on commas and semicolons and skips empties', () => {
    assert.deepEqual(
      parseThresholds(['p95<200, errors<0.01', 'rps>10;', '']).map((t) => t.source),
      ['p95<200', 'errors<0.01', 'rps>10'],
    );
  });
});

describe('evaluateThresholds', () => {
  const scenarios: ScenarioMetrics[] = [
    { name: 'exact-hit', metrics: { p95: 3, errors: 0, rps: 5000, exact_hit_ratio: 1 } },
    { name: 'search', metrics: { p95: 40, errors: 0.02, rps: 900 } },
  ];

  test('compare covers every operator', () => {
    const cases: [ThresholdOp, boolean][] = [
      ['<', false],
      ['<=', true],
      ['>', false],
      ['>=', true],
      ['==', true],
      ['!=', false],
    ];
    for (const [op, expected] of cases) assert.equal(compare(5, op, 5), expected, op);
  });

  test('unscoped thresholds judge every scenario reporting the metric', () => {
    const v = evaluateThresholds(parseThresholds(['p95<20', 'exact_hit_ratio>=0.99']), scenarios);
    assert.deepEqual(
      v.map((x) => [x.threshold, x.scenario, x.status, x.actual]),
      [
        ['p95<20', 'exact-hit', 'pass', 3],
        ['p95<20', 'search', 'fail', 40],
        ['exact_hit_ratio>=0.99', 'exact-hit', 'pass', 1],
      ],
    );
  });

  test('scoped thresholds: pass, fail, skipped when not run, fail when the metric is missing', () => {
    const v = evaluateThresholds(
      parseThresholds(['exact_hit:p95<5', 'search:errors<0.01', 'ingest:p99<100', 'search:exact_hit_ratio>0.5']),
      scenarios,
    );
    assert.deepEqual(
      v.map((x) => x.status),
      ['pass', 'fail', 'skipped', 'fail'],
    );
    assert.match(v[3]?.reason ?? '', /does not report "exact_hit_ratio"/);
  });

  test('an unscoped metric nobody reports fails (likely a typo)', () => {
    const [v] = evaluateThresholds(parseThresholds(['p59<10']), scenarios);
    assert.equal(v?.status, 'fail');
    assert.match(v?.reason ?? '', /no scenario reports "p59"/);
  });

  test('exit code: 0 when all pass, 99 on a failed threshold, 98 on an unverified scenario', () => {
    const pass = evaluateThresholds(parseThresholds(['rps>1']), scenarios);
    const fail = evaluateThresholds(parseThresholds(['rps>1000']), scenarios);
    const skipped = evaluateThresholds(parseThresholds(['ingest:rps>1']), scenarios);
    assert.equal(benchExitCode({ verdicts: pass }), EXIT_OK);
    assert.equal(benchExitCode({ verdicts: skipped }), EXIT_OK);
    assert.equal(benchExitCode({ verdicts: fail }), EXIT_THRESHOLDS_FAILED);
    assert.equal(EXIT_THRESHOLDS_FAILED, 99);
    assert.equal(benchExitCode({ verdicts: pass, verifications: [{ ok: true }, { ok: false }] }), EXIT_SCENARIO_UNVERIFIED);
    assert.equal(benchExitCode({ verdicts: fail, verifications: [{ ok: false }] }), EXIT_SCENARIO_UNVERIFIED);
  });
});
