// The live dashboard: registerDashboard serves the page and its assets from the source folder
// (in-process), and a real Chromium renders numbers from a real registry, follows new traffic,
// shows n/a for missing optional endpoints and an error state when /metrics fails (browser tier).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium, watchPage } from '../support/browser.js';
import { findDashboardDir, registerDashboard } from '../../src/observability/dashboard-route.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createSloTracker, type SloTracker } from '../../src/observability/slo.js';

// Globals of the page, for the callbacks that run in the browser (the test tsconfig has no DOM lib).
declare const document: { getElementById(id: string): { textContent: string | null; querySelector(selector: string): unknown } | null };
declare const location: { href: string };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_DIR = join(ROOT, 'src', 'observability', 'dashboard');
const SCREENSHOT = join(ROOT, 'test-artifacts', 'dashboard.png');
const QUERY = '/api/v1/rag/query';

describe('registerDashboard', () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify();
    assert.equal(registerDashboard(app), true);
    await app.ready();
  });
  after(() => app.close());

  test('serves the page and its assets with their types and a same-origin CSP', async () => {
    const page = await app.inject({ method: 'GET', url: '/dashboard?refresh=300' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(page.body, /src="dashboard\/dashboard\.js"/);
    const js = await app.inject({ method: 'GET', url: '/dashboard/dashboard.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(js.body, /export function parsePrometheus/);
    const css = await app.inject({ method: 'GET', url: '/dashboard/dashboard.css' });
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.equal((await app.inject({ method: 'HEAD', url: '/dashboard' })).statusCode, 200);
  });

  test('/dashboard/ redirects to /dashboard relatively, keeping the query', async () => {
    const res = await app.inject({ method: 'GET', url: '/dashboard/?refresh=500' });
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '../dashboard?refresh=500');
  });

  test('the source folder is found from src/ (tsx) and from dist/src/ (after tsc)', () => {
    assert.equal(findDashboardDir(), SOURCE_DIR);
    assert.equal(findDashboardDir(pathToFileURL(join(ROOT, 'dist', 'src', 'observability', 'dashboard-route.js'))), SOURCE_DIR);
    const empty = mkdtempSync(join(tmpdir(), 'ragd-dash-'));
    try {
      assert.equal(findDashboardDir(pathToFileURL(join(empty, 'a', 'b.js'))), undefined);
      assert.throws(() => registerDashboard(Fastify(), { dir: empty }), /ENOENT/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

/** A server like ragd's observability surface: real registry, real SLO tracker, switchable faults. */
interface Harness {
  app: FastifyInstance;
  base: string;
  metrics: Metrics;
  slo: SloTracker;
  flags: { metricsDown: boolean; noBreakers: boolean; noSlo: boolean };
  /** Records `n` finished API requests (and their cache lookups) into the registry and the SLOs. */
  traffic(n: number): void;
}

async function startHarness(): Promise<Harness> {
  const metrics = createMetrics({ version: 'test' });
  const slo = createSloTracker();
  const flags = { metricsDown: false, noBreakers: false, noSlo: false };
  const app = Fastify();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.recordHttpRequest({ route, method: request.method, status: reply.statusCode }, reply.elapsedTime / 1000);
  });
  registerDashboard(app);
  app.get('/metrics', async (_request, reply) => {
    if (flags.metricsDown) return reply.code(500).type('text/plain').send('registry unavailable');
    slo.exportTo(metrics);
    const { contentType, body } = await metrics.exposition();
    return reply.type(contentType).send(body);
  });
  app.get('/metrics/circuit-breaker', async (_request, reply) => {
    if (flags.noBreakers) return reply.code(404).send({ status: 404 });
    return {
      dependencies: [
        { name: 'generation:ollama', breaker: { state: 'open', consecutiveFailures: 5, openedAt: '2025-01-01T00:00:00Z' } },
        { name: 'embedding:ollama', breaker: { state: 'half_open' } },
        { name: 'redis', breaker: { state: 'closed' } },
      ],
    };
  });
  app.get('/metrics/slo', async (_request, reply) => {
    if (flags.noSlo) return reply.code(404).send({ status: 404 });
    return slo.snapshot();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  let seq = 0;
  const traffic = (n: number): void => {
    for (let i = 0; i < n; i++, seq++) {
      // A deterministic spread: mostly fast, a slow tail, a few client and server errors.
      const status = seq % 25 === 7 ? 503 : seq % 10 === 3 ? 422 : 200;
      const seconds = [0.012, 0.03, 0.045, 0.08, 0.11, 0.16, 0.24, 0.38, 0.7, 1.8][seq % 10] as number;
      metrics.recordHttpRequest({ route: QUERY, method: 'POST', status }, seconds);
      slo.record({ route: QUERY, status, durationMs: seconds * 1000, isQuery: true });
      if (seq % 3 === 0) metrics.cacheHits.inc({ tier: 'memory', kind: 'exact' });
      else metrics.cacheMisses.inc({ kind: 'exact' });
      if (seq % 20 === 5) metrics.degradedResponses.inc({ reason: 'generation_unavailable' });
    }
  };
  traffic(40);
  return { app, base: `http://127.0.0.1:${address.port}`, metrics, slo, flags, traffic };
}

const text = (page: Page, selector: string): Promise<string> => page.locator(selector).innerText();
const NUMBER = /^\d[\d,]*(\.\d+)?$/;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') {
  test('the dashboard browser test needs Chromium in CI', () => {
    assert.fail(`${CHROMIUM} is missing; install it (apt-get install -y chromium) so the dashboard is tested in a real browser`);
  });
}

describe('dashboard in Chromium', { skip: haveChromium ? false : `skipped: ${CHROMIUM} not found (apt-get install -y chromium)` }, () => {
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];
  let failedRequests: string[] = [];

  before(async () => {
    harness = await startHarness();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    ({ consoleErrors, failedRequests } = watchPage(page));
  });

  after(async () => {
    await browser?.close();
    await harness?.app.close();
    harness?.metrics.close();
  });

  test('renders numbers, follows new traffic, without console errors or failed requests', { timeout: 60_000 }, async () => {
    await page.goto(`${harness.base}/dashboard?refresh=300`);
    await page.waitForFunction(() => /^\d/.test(document.getElementById('req-total')?.textContent ?? ''));
    assert.equal(await text(page, '#req-total'), '40');
    assert.equal(await text(page, '#refresh-interval'), '0.3 s');
    for (const id of ['#lat-p50', '#lat-p95', '#lat-p99']) assert.match(await text(page, id), NUMBER, `${id} shows a number`);
    assert.match(await text(page, '#cache-ratio'), /^\d+\.\d%$/);
    assert.equal(await text(page, '#cache-hits'), '14');
    assert.equal(await text(page, '#degraded-total'), '2');
    assert.match(await text(page, '#degraded-reasons'), /generation_unavailable: 2/);
    await page.waitForFunction(() => document.getElementById('breakers')?.querySelector('table') !== null);
    const breakers = await text(page, '#breakers');
    assert.match(breakers, /generation:ollama\s+open/);
    assert.match(breakers, /embedding:ollama\s+half-open/);
    assert.match(breakers, /consecutiveFailures: 5/);
    await page.waitForFunction(() => document.getElementById('slo')?.querySelector('table') !== null);
    const slo = await text(page, '#slo');
    assert.match(slo, /availability/);
    assert.match(slo, /latency_p95/);
    assert.match(slo, /99\.9%/);
    const errors = await text(page, '#errors');
    assert.match(errors, /\/api\/v1\/rag\/query\s+POST\s+422\s+4/);
    assert.match(errors, /\/api\/v1\/rag\/query\s+POST\s+503\s+2/);
    const p95Before = await text(page, '#lat-p95');

    harness.traffic(50);
    // Total and rate come from the same scrape; the rate is above zero for one refresh interval.
    await page.waitForFunction(
      () =>
        document.getElementById('req-total')?.textContent === '90' &&
        Number(document.getElementById('req-rate')?.textContent) > 0 &&
        /over the last/.test(document.getElementById('lat-window')?.textContent ?? ''),
      undefined,
      { polling: 'raf', timeout: 15_000 },
    );
    assert.match(await text(page, '#lat-p95'), NUMBER);
    assert.ok(p95Before.length > 0);

    // Steady traffic for the screenshot, so it shows live rates rather than an idle interval.
    const pump = setInterval(() => harness.traffic(3), 50);
    try {
      await page.waitForFunction(() => Number(document.getElementById('req-total')?.textContent?.replace(/,/g, '')) > 150, undefined, { timeout: 15_000 });
      await page.waitForFunction(() => Number(document.getElementById('req-rate')?.textContent) > 0, undefined, { polling: 'raf', timeout: 15_000 });
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      clearInterval(pump);
    }
    assert.ok(statSync(SCREENSHOT).size > 10_000, 'screenshot written');

    assert.equal(await page.locator('#error-banner').isHidden(), true);
    assert.ok(!(await text(page, '#last-updated')).includes('never'));
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failedRequests, []);
  });

  test('the page parser reads escapes, special values and histograms like Prometheus', async () => {
    const result = await page.evaluate(async () => {
      const mod = (await import(new URL('dashboard/dashboard.js', location.href).href)) as {
        parsePrometheus(text: string): Map<string, { labels: Record<string, string>; value: number }[]>;
        bucketsOf(samples: unknown, keep: (labels: Record<string, string>) => boolean): { le: number; count: number }[];
        histogramQuantile(q: number, buckets: { le: number; count: number }[]): number;
      };
      const parsed = mod.parsePrometheus(
        '# HELP a b\n# TYPE h histogram\nweird{a="x\\"y,z",b="l1\\nl2"} 3 1700000000\nh_bucket{le="0.1"} 2\nh_bucket{le="0.5"} 8\nh_bucket{le="+Inf"} 10\nbig 4.5e2\ninf +Inf\n',
      );
      const buckets = mod.bucketsOf(parsed.get('h_bucket'), () => true);
      return {
        weird: parsed.get('weird')?.[0],
        big: parsed.get('big')?.[0]?.value,
        inf: parsed.get('inf')?.[0]?.value === Infinity,
        p50: mod.histogramQuantile(0.5, buckets),
        p95: mod.histogramQuantile(0.95, buckets),
        p10: mod.histogramQuantile(0.1, buckets),
        empty: mod.histogramQuantile(0.5, []),
      };
    });
    assert.deepEqual(result.weird, { labels: { a: 'x"y,z', b: 'l1\nl2' }, value: 3 });
    assert.equal(result.big, 450);
    assert.equal(result.inf, true);
    assert.ok(Math.abs(result.p50 - 0.3) < 1e-9);
    assert.equal(result.p95, 0.5, 'a rank in +Inf gives the highest finite bound');
    assert.ok(Math.abs(result.p10 - 0.05) < 1e-9);
    assert.ok(Number.isNaN(result.empty), 'NaN with no observations');
  });

  test('missing optional endpoints show n/a; a failing /metrics shows an error and recovers', { timeout: 60_000 }, async () => {
    harness.flags.noBreakers = true;
    harness.flags.noSlo = true;
    await page.reload();
    await page.waitForFunction(
      () => /n\/a/.test(document.getElementById('breakers')?.textContent ?? '') && /n\/a/.test(document.getElementById('slo')?.textContent ?? ''),
    );
    assert.equal(await page.locator('#error-banner').isHidden(), true, 'a 404 is not an error');
    assert.match(await text(page, '#req-total'), NUMBER);

    harness.flags.metricsDown = true;
    const banner = page.locator('#error-banner');
    await banner.waitFor({ state: 'visible' });
    assert.match(await banner.innerText(), /\/metrics: HTTP 500/);
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.match(await text(page, '#req-total'), NUMBER, 'the last figures stay on screen');

    harness.flags.metricsDown = false;
    await banner.waitFor({ state: 'hidden' });
    const unexpected = consoleErrors.filter((m) => !/status of (404|500)/.test(m));
    assert.deepEqual(unexpected, [], 'only the provoked 404/500 responses were logged');
  });
});
