// The observability settings: defaults, parsing, the cross-check between the two latency SLOs, and
// that the Runtime builds its SLO tracker from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { createSloTracker, defaultSlos } from '../../src/observability/slo.js';

test('defaults: metrics and dashboard on, tracing left to OTEL_*, SLOs 99.9% / 200 ms / 500 ms over 30 days', () => {
  const o = loadConfig({}).observability;
  assert.deepEqual(o, {
    metrics: true,
    tracing: undefined,
    dashboard: true,
    slo: { availability: 0.999, latencyP95Ms: 200, latencyP99Ms: 500, periodDays: 30 },
  });
});

test('values parse; RAGD_TRACING is an explicit switch either way', () => {
  const o = loadConfig({
    RAGD_METRICS: 'off',
    RAGD_TRACING: 'false',
    RAGD_DASHBOARD: 'no',
    RAGD_SLO_AVAILABILITY: '0.995',
    RAGD_SLO_LATENCY_P95_MS: '300',
    RAGD_SLO_LATENCY_P99_MS: '1000',
    RAGD_SLO_PERIOD_DAYS: '7',
  }).observability;
  assert.deepEqual(o, { metrics: false, tracing: false, dashboard: false, slo: { availability: 0.995, latencyP95Ms: 300, latencyP99Ms: 1000, periodDays: 7 } });
  assert.equal(loadConfig({ RAGD_TRACING: 'true' }).observability.tracing, true);
});

test('bad values name the setting', () => {
  assert.throws(() => loadConfig({ RAGD_SLO_AVAILABILITY: '1' }), /RAGD_SLO_AVAILABILITY/);
  assert.throws(() => loadConfig({ RAGD_SLO_PERIOD_DAYS: '0' }), /RAGD_SLO_PERIOD_DAYS/);
  assert.throws(() => loadConfig({ RAGD_SLO_LATENCY_P95_MS: '600' }), /RAGD_SLO_LATENCY_P99_MS=500: must be at least RAGD_SLO_LATENCY_P95_MS \(600\)/);
});

test('the tracker takes the objectives, thresholds and period from the settings', () => {
  const o = loadConfig({ RAGD_SLO_AVAILABILITY: '0.99', RAGD_SLO_LATENCY_P95_MS: '150', RAGD_SLO_PERIOD_DAYS: '7' }).observability;
  const tracker = createSloTracker({
    slos: defaultSlos({ availability: o.slo.availability, p95Ms: o.slo.latencyP95Ms, p99Ms: o.slo.latencyP99Ms }),
    periodDays: o.slo.periodDays,
  });
  const snap = tracker.snapshot();
  assert.equal(snap.period, '7d');
  assert.deepEqual(
    snap.slos.map((s) => [s.name, s.objective, s.indicator]),
    [
      ['availability', 0.99, { kind: 'availability' }],
      ['latency_p95', 0.95, { kind: 'latency', thresholdMs: 150 }],
      ['latency_p99', 0.99, { kind: 'latency', thresholdMs: 500 }],
    ],
  );
});
