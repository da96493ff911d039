// Series-resolved prom-client metrics: what the registry exports from them is what prom-client's
// own Counter and Histogram export for the same updates (text and JSON), before and after reset.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { SeriesCounter, SeriesHistogram } from '../../src/observability/prom-series.js';

const BUCKETS = [0.01, 0.1, 1];

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const c = new SeriesCounter({ name: 'c_total', help: 'c', labelNames: ['route', 'status'], registers: [ours] });
  const pc = new Counter({ name: 'c_total', help: 'c', labelNames: ['route', 'status'], registers: [theirs] });
  const h = new SeriesHistogram({ name: 'h_seconds', help: 'h', labelNames: ['stage'], buckets: BUCKETS, registers: [ours] });
  const ph = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['stage'], buckets: BUCKETS, registers: [theirs] });
  const plain = new SeriesCounter({ name: 'p_total', help: 'p', labelNames: [], registers: [ours] });
  const pplain = new Counter({ name: 'p_total', help: 'p', registers: [theirs] });
  const ph0 = new SeriesHistogram({ name: 'q_seconds', help: 'q', labelNames: [], buckets: BUCKETS, registers: [ours] });
  const pph0 = new Histogram({ name: 'q_seconds', help: 'q', buckets: BUCKETS, registers: [theirs] });
  return {
    ours,
    theirs,
    inc(route: string, status: string, v: number) {
      c.series({ route, status }).inc(v);
      pc.inc({ route, status }, v);
    },
    observe(stage: string, v: number) {
      h.series({ stage }).observe(v);
      ph.observe({ stage }, v);
    },
    plain(v: number) {
      plain.series({}).inc(v);
      pplain.inc(v);
      ph0.series({}).observe(v);
      pph0.observe(v);
    },
  };
}

async function assertSame(p: ReturnType<typeof pair>, when: string) {
  assert.equal(await p.ours.metrics(), await p.theirs.metrics(), `text, ${when}`);
  assert.deepEqual(await p.ours.getMetricsAsJSON(), await p.theirs.getMetricsAsJSON(), `JSON, ${when}`);
}

describe('SeriesCounter and SeriesHistogram', () => {
  test('export exactly what prom-client exports: empty, after updates, inclusive bucket bounds, after reset', async () => {
    const p = pair();
    await assertSame(p, 'before any update');
    p.inc('/a', '200', 1);
    p.inc('/a', '200', 2.5);
    p.inc('/b', '404', 0);
    for (const v of [0.01, 0.0100001, 0.1, 5, 0]) p.observe('total', v);
    p.observe('embed', 0.2);
    p.plain(3);
    p.plain(0.5);
    await assertSame(p, 'after updates');
    p.ours.resetMetrics();
    p.theirs.resetMetrics();
    await assertSame(p, 'after reset');
    p.inc('/b', '404', 1);
    p.observe('embed', 0.05);
    await assertSame(p, 'updated after reset');
  });
});
