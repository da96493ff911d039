// SLO tracking with a fake clock: burn-rate and budget arithmetic, windows rolling off old data,
// which events each SLO counts, the multi-window alerts, and the gauges exported on scrape.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createSloTracker, defaultSlos, type SloEvent, type SloTracker } from '../../src/observability/slo.js';
import { BucketRing } from '../../src/observability/slo-ring.js';
import { BURN_WINDOW_MS, ringLayout } from '../../src/observability/slo-windows.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { isRagdError } from '../../src/errors/ragd-error.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Midnight UTC, so bucket boundaries of every ring line up with the start. */
const T0 = Date.UTC(2025, 0, 1);

function clock(): { now: () => number; advance(ms: number): void } {
  let t = T0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const QUERY = '/api/v1/rag/query';
const ok = (durationMs = 50): SloEvent => ({ route: QUERY, status: 200, durationMs, isQuery: true });
const fail = (): SloEvent => ({ route: QUERY, status: 503, durationMs: 5, isQuery: true });

function recordMany(slo: SloTracker, total: number, bad: number): void {
  for (let i = 0; i < total; i++) slo.record(i < bad ? fail() : ok());
}

function approx(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} expected ${expected}, got ${actual}`);
}

function slo(tracker: SloTracker, name: string) {
  const s = tracker.snapshot().slos.find((x) => x.name === name);
  assert.ok(s, `slo ${name} present`);
  return s;
}

describe('burn rate and error budget', () => {
  test('1% errors against 99.9% burns at 10 in every window', () => {
    const c = clock();
    const tracker = createSloTracker({ now: c.now });
    recordMany(tracker, 1000, 10);
    const a = slo(tracker, 'availability');
    assert.equal(a.objective, 0.999);
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const) {
      assert.equal(a.windows[w].total, 1000);
      assert.equal(a.windows[w].good, 990);
      approx(a.windows[w].errorRatio, 0.01);
      approx(a.windows[w].burnRate, 10, w);
    }
    // 1% errors over the whole period is ten budgets' worth.
    approx(a.errorBudget.remaining, -9);
    assert.equal(a.errorBudget.period, '30d');
  });

  test("an event recorded later counts at its own time (`at`), not the tracker's clock", () => {
    const c = clock();
    const tracker = createSloTracker({ now: c.now });
    c.advance(2 * HOUR);
    // Finished 90 minutes ago, recorded now (a response batch applies records after the fact).
    tracker.record({ ...fail(), at: c.now() - 90 * MIN });
    tracker.record(ok());
    const a = slo(tracker, 'availability');
    assert.equal(a.windows['1h'].total, 1, 'the late-recorded failure is older than an hour');
    assert.equal(a.windows['1h'].good, 1);
    assert.equal(a.windows['2h'].total, 2);
    assert.equal(a.windows['2h'].good, 1);
  });

  test('budget remaining is the share of allowed errors not yet spent over the period', () => {
    const c = clock();
    const tracker = createSloTracker({ now: c.now });
    recordMany(tracker, 100_000, 50); // 0.05% errors: half the 0.1% allowance
    approx(slo(tracker, 'availability').errorBudget.remaining, 0.5);
    approx(slo(tracker, 'availability').errorBudget.consumed, 0.5);
  });

  test('no events: nothing burnt, full budget', () => {
    const tracker = createSloTracker({ now: clock().now });
    const a = slo(tracker, 'availability');
    assert.equal(a.windows['5m'].burnRate, 0);
    assert.equal(a.errorBudget.remaining, 1);
    assert.ok(a.alerts.every((x) => !x.firing));
  });

  test('errors early in the period dilute as good traffic accumulates', () => {
    const c = clock();
    const tracker = createSloTracker({ now: c.now });
    recordMany(tracker, 1000, 1); // 0.1%: exactly the budget so far
    approx(slo(tracker, 'availability').errorBudget.remaining, 0);
    c.advance(10 * DAY);
    recordMany(tracker, 9000, 0);
    approx(slo(tracker, 'availability').errorBudget.remaining, 0.9);
    assert.equal(slo(tracker, 'availability').windows['5m'].burnRate, 0);
  });
});

describe('rolling windows', () => {
  test('old data rolls off each window at its length', () => {
    const c = clock();
    const tracker = createSloTracker({ now: c.now });
    recordMany(tracker, 100, 100);
    c.advance(5 * MIN - 1);
    assert.equal(slo(tracker, 'availability').windows['5m'].total, 100, 'still inside 5m');
    c.advance(1);
    let a = slo(tracker, 'availability');
    assert.equal(a.windows['5m'].total, 0, 'gone from 5m after 5 minutes');
    assert.equal(a.windows['30m'].total, 100);
    c.advance(HOUR);
    a = slo(tracker, 'availability');
    assert.equal(a.windows['1h'].total, 0);
    assert.equal(a.windows['2h'].total, 100);
    c.advance(6 * HOUR);
    a = slo(tracker, 'availability');
    assert.equal(a.windows['6h'].total, 0);
    assert.equal(a.windows['1d'].total, 100);
    c.advance(3 * DAY);
    a = slo(tracker, 'availability');
    assert.equal(a.windows['3d'].total, 0);
    assert.equal(a.errorBudget.total, 100, 'still in the 30-day period');
    c.advance(27 * DAY);
    assert.equal(slo(tracker, 'availability').errorBudget.total, 0, 'out of the period');
    assert.equal(slo(tracker, 'availability').errorBudget.remaining, 1);
  });

  test('a ring slot reused by a later bucket forgets the old counts', () => {
    const ring = new BucketRing(1000, 4);
    ring.add(0, 1, 1);
    ring.add(4000, 0, 1); // same slot, four buckets later
    assert.deepEqual(ring.sum(4000, 4000), { good: 0, total: 1 });
    assert.deepEqual(ring.sum(4000, 10_000), { good: 0, total: 1 }, 'a window longer than the ring is capped');
    assert.deepEqual(ring.sum(100_000, 4000), { good: 0, total: 0 }, 'a clock far ahead sees nothing stale');
  });

  test('every burn window is served by a ring that covers it; the last covers the period', () => {
    const rings = ringLayout(30 * DAY);
    for (const ms of Object.values(BURN_WINDOW_MS)) assert.ok(rings.some((r) => r.spanMs >= ms));
    assert.equal(rings.at(-1)?.spanMs, 30 * DAY);
    const slots = rings.reduce((n, r) => n + r.spanMs / r.widthMs, 0);
    assert.equal(slots, 720 + 864 + 720);
  });
});

describe('which events count', () => {
  test('latency SLOs count answered queries as good up to the threshold, inclusive', () => {
    const tracker = createSloTracker({ now: clock().now });
    for (const ms of [10, 150, 200, 201, 499, 500, 501, 2000]) tracker.record(ok(ms));
    tracker.record(fail()); // failed queries are availability's business
    tracker.record({ route: '/api/v1/rag/search', status: 200, durationMs: 5000, isQuery: false });
    const p95 = slo(tracker, 'latency_p95');
    assert.deepEqual({ good: p95.windows['5m'].good, total: p95.windows['5m'].total }, { good: 3, total: 8 });
    assert.deepEqual(p95.indicator, { kind: 'latency', thresholdMs: 200 });
    const p99 = slo(tracker, 'latency_p99');
    assert.deepEqual({ good: p99.windows['5m'].good, total: p99.windows['5m'].total }, { good: 6, total: 8 });
    approx(p99.windows['5m'].burnRate, 0.25 / 0.01);
  });

  test('availability counts API routes only, and 4xx as good', () => {
    const tracker = createSloTracker({ now: clock().now });
    tracker.record({ route: '/metrics', status: 500, durationMs: 1, isQuery: false });
    tracker.record({ route: '/health/ready', status: 503, durationMs: 1, isQuery: false });
    tracker.record({ route: '/dashboard', status: 500, durationMs: 1, isQuery: false });
    tracker.record({ route: '/api/v1/rag/documents', status: 422, durationMs: 1, isQuery: false });
    tracker.record({ route: '/api/v1/rag/search', status: 500, durationMs: 1, isQuery: false });
    const a = slo(tracker, 'availability');
    assert.deepEqual({ good: a.windows['1h'].good, total: a.windows['1h'].total }, { good: 1, total: 2 });
  });

  test('custom objectives, period and route predicate', () => {
    const tracker = createSloTracker({
      now: clock().now,
      periodDays: 7,
      slos: defaultSlos({ availability: 0.99, p95Ms: 100, p99Ms: 300 }),
      isApiRoute: (r) => r !== '/metrics',
    });
    tracker.record({ route: '/other', status: 500, durationMs: 1, isQuery: false });
    const snap = tracker.snapshot();
    assert.equal(snap.period, '7d');
    const a = snap.slos.find((s) => s.name === 'availability');
    assert.equal(a?.objective, 0.99);
    approx(a?.windows['5m'].burnRate ?? -1, 100);
    assert.equal(snap.generatedAt, new Date(T0).toISOString());
  });

  test('invalid definitions are refused with RAGD_ERR_CONFIG', () => {
    const bad = [
      { slos: [{ name: 'Bad Name', objective: 0.9, indicator: { kind: 'availability' as const } }] },
      { slos: [{ name: 'a', objective: 1, indicator: { kind: 'availability' as const } }] },
      { slos: [{ name: 'a', objective: 0.9, indicator: { kind: 'latency' as const, thresholdMs: 0 } }] },
      { slos: [...defaultSlos(), ...defaultSlos()] },
      { periodDays: 0 },
    ];
    for (const options of bad) {
      assert.throws(() => createSloTracker(options), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG');
    }
  });
});

describe('alerts and export', () => {
  test('the 1h/5m page fires at 2% errors; the slow pairs follow the long windows', () => {
    const c = clock();
    const tracker = createSloTracker({ now: c.now });
    recordMany(tracker, 1000, 20); // burn 20 > 14.4
    let alerts = slo(tracker, 'availability').alerts;
    assert.deepEqual(
      alerts.map((a) => [a.long, a.short, a.severity, a.firing]),
      [
        ['1h', '5m', 'page', true],
        ['6h', '30m', 'page', true],
        ['1d', '2h', 'ticket', true],
        ['3d', '6h', 'ticket', true],
      ],
    );
    c.advance(10 * MIN); // the burst is over: short windows clear first
    alerts = slo(tracker, 'availability').alerts;
    assert.equal(alerts[0]?.firing, false, '5m window no longer burning');
    approx(alerts[0]?.longBurnRate ?? -1, 20);
    assert.equal(alerts[1]?.firing, true, '30m and 6h still see the burst');
  });

  test('exportTo sets the slo_* gauges of the registry', async () => {
    const c = clock();
    const tracker = createSloTracker({ now: c.now });
    recordMany(tracker, 1000, 10);
    const metrics = createMetrics({ collectDefault: false });
    try {
      tracker.exportTo(metrics);
      const { body } = await metrics.exposition();
      const value = (line: string): number => {
        const found = body.split('\n').find((l) => l.startsWith(line + ' '));
        assert.ok(found, `exposition has ${line}`);
        return Number(found.slice(line.length + 1));
      };
      assert.equal(value('slo_objective{slo="availability"}'), 0.999);
      approx(value('slo_burn_rate{slo="availability",window="5m"}'), 10);
      approx(value('slo_burn_rate{slo="availability",window="3d"}'), 10);
      approx(value('slo_error_budget_remaining{slo="availability"}'), -9);
      assert.equal(value('slo_objective{slo="latency_p95"}'), 0.95);
      assert.equal(value('slo_burn_rate{slo="latency_p99",window="1h"}'), 0);
      assert.doesNotMatch(body, /ragd_metric_label_overflow_total\{/, 'no label was refused');
    } finally {
      metrics.close();
    }
  });
});

describe('BucketRing current-bucket cache', () => {
  /** The ring's rules without the cache: every add recomputes its bucket and slot. */
  class ReferenceRing {
    private readonly slotsHeld = new Map<number, { bucket: number; good: number; total: number }>();
    constructor(
      private readonly widthMs: number,
      private readonly slots: number,
    ) {}
    add(nowMs: number, good: number, count: number): void {
      const bucket = Math.floor(nowMs / this.widthMs);
      const slot = bucket % this.slots;
      let held = this.slotsHeld.get(slot);
      if (held?.bucket !== bucket) this.slotsHeld.set(slot, (held = { bucket, good: 0, total: 0 }));
      held.good += good;
      held.total += count;
    }
    sum(nowMs: number, windowMs: number): { good: number; total: number } {
      const current = Math.floor(nowMs / this.widthMs);
      let good = 0;
      let total = 0;
      for (let i = 0; i < Math.min(this.slots, Math.ceil(windowMs / this.widthMs)) && current - i >= 0; i++) {
        const held = this.slotsHeld.get((current - i) % this.slots);
        if (held?.bucket !== current - i) continue;
        good += held.good;
        total += held.total;
      }
      return { good, total };
    }
  }

  test('within a bucket, across buckets, after the clock steps back and after a wrap it counts as without the cache', () => {
    const times = [0, 1, 999, 1000, 1500, 3999, 4000, 2500, 2600, 9000, 9001, 3000, 13_500, 500, 13_600];
    const ring = new BucketRing(1000, 4);
    const reference = new ReferenceRing(1000, 4);
    times.forEach((at, i) => {
      ring.add(at, i % 3 === 0 ? 0 : 1, 1);
      reference.add(at, i % 3 === 0 ? 0 : 1, 1);
      for (const windowMs of [1000, 2000, 4000]) assert.deepEqual(ring.sum(at, windowMs), reference.sum(at, windowMs), `after ${at} ms, window ${windowMs}`);
    });
  });
});

describe('pending tally per bucket', () => {
  test('snapshots match counting every event in every ring, with reads between events, bucket changes and clock steps back', () => {
    // A seeded walk: events of every kind, the clock moving by 0-40 s (now and then 3 minutes back),
    // and a snapshot after some events; every window of every SLO must equal the direct count.
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let t = T0 + 3 * HOUR;
    const tracker = createSloTracker({ now: () => t });
    const defs = defaultSlos();
    const layout = ringLayout(30 * DAY);
    const direct = defs.map(() => layout.map((r) => new BucketRing(r.widthMs, Math.ceil(r.spanMs / r.widthMs))));
    for (let step = 0; step < 4_000; step++) {
      t += rand() < 0.02 ? -3 * MIN : Math.floor(rand() * 40_000);
      const event: SloEvent = {
        route: rand() < 0.2 ? '/health/live' : QUERY,
        status: rand() < 0.1 ? 503 : rand() < 0.1 ? 404 : 200,
        durationMs: rand() * 700,
        isQuery: rand() < 0.8,
      };
      tracker.record(event);
      defs.forEach((d, i) => {
        const api = event.route.startsWith('/api/');
        const failed = event.status >= 500;
        let good: boolean;
        if (d.indicator.kind === 'availability') {
          if (!api) return;
          good = !failed;
        } else {
          if (!event.isQuery || failed) return;
          good = event.durationMs <= d.indicator.thresholdMs;
        }
        for (const ring of direct[i]!) ring.add(t, good ? 1 : 0, 1);
      });
      if (rand() < 0.05) {
        for (const [i, s] of tracker.snapshot().slos.entries()) {
          for (const [w, stats] of Object.entries(s.windows)) {
            const ms = BURN_WINDOW_MS[w as keyof typeof BURN_WINDOW_MS];
            const ring = direct[i]!.find((r) => r.spanMs >= ms)!;
            assert.deepEqual({ good: stats.good, total: stats.total }, ring.sum(t, ms), `${s.name} ${w} at step ${step}`);
          }
          const budget = direct[i]![direct[i]!.length - 1]!.sum(t, 30 * DAY);
          assert.deepEqual({ good: s.errorBudget.good, total: s.errorBudget.total }, budget, `${s.name} budget at step ${step}`);
        }
      }
    }
  });
});
