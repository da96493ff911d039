// The dashboard against the REAL ragd server (startTestServer: Runtime, edge, routes, metrics): a
// headless Chromium loads /dashboard, the figures follow real traffic (requests, cache hits, a
// degraded answer, breakers, SLOs), nothing is logged to the console and no request fails; a
// screenshot is left in test-artifacts/dashboard-live.png. Fails in CI without Chromium.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium, watchPage } from '../support/browser.js';
import { call, startTestServer, type TestServer } from '../support/test-server.js';

// Globals of the page, for the callbacks that run in the browser (the test tsconfig has no DOM lib).
declare const document: { getElementById(id: string): { textContent: string | null; querySelector(selector: string): unknown } | null };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOT = join(ROOT, 'test-artifacts', 'dashboard-live.png');
const QUERY = '/api/v1/rag/query';
const NUMBER = /^\d[\d,]*(\.\d+)?$/;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') {
  test('the live dashboard test needs Chromium in CI', () => {
    assert.fail(`${CHROMIUM} is missing; install it (apt-get install -y chromium) so the dashboard is tested against a real server`);
  });
}

const count = (text: string): number => Number(text.replace(/,/g, ''));

describe('dashboard on a real ragd server', { skip: haveChromium ? false : `skipped: ${CHROMIUM} not found (apt-get install -y chromium)` }, () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];
  let failedRequests: string[] = [];
  let n = 0;

  /** One answered query; `repeat` asks a question already cached, so it is an exact hit. */
  const ask = async (repeat = false): Promise<void> => {
    const query = repeat ? 'How many days of annual leave do employees get?' : `Question ${n++}: when do unused leave days expire?`;
    const res = await call(srv.url, 'POST', QUERY, { collection: 'live', query });
    assert.equal(res.status, 200, res.text);
  };

  before(async () => {
    srv = await startTestServer({ RAGD_FAULT_INJECTION: 'true' });
    const res = await call(srv.url, 'POST', '/api/v1/rag/documents', {
      collection: 'live',
      documents: [
        { id: 'leave', title: 'Leave', text: 'Employees get 25 days of annual leave per year. Unused days expire in March.' },
        { id: 'vpn', title: 'VPN', text: 'Connect to the VPN with the WireGuard client before opening internal sites.' },
      ],
    });
    assert.equal(res.status, 201, res.text);
    await ask(true);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    ({ consoleErrors, failedRequests } = watchPage(page));
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  test('loads, follows real traffic, shows breakers and SLOs, without console errors', { timeout: 90_000 }, async () => {
    await page.goto(`${srv.url}/dashboard?refresh=300`);
    await page.waitForFunction(() => /^\d/.test(document.getElementById('req-total')?.textContent ?? ''));
    const totalBefore = count(await page.locator('#req-total').innerText());
    assert.ok(totalBefore >= 2, 'the ingest and the first query are counted');

    // Traffic: new questions (misses), the same one again (exact hits) and one degraded answer.
    for (let i = 0; i < 6; i++) await ask(i % 2 === 1);
    const set = await call(srv.url, 'PUT', '/api/v1/admin/faults/embedding', { rules: [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }] });
    assert.equal(set.status, 200, set.text);
    const degraded = await call(srv.url, 'POST', QUERY, { collection: 'live', query: 'Which VPN client?', cache: 'bypass' });
    assert.equal(degraded.body.degraded, true);
    await call(srv.url, 'DELETE', '/api/v1/admin/faults/embedding');

    await page.waitForFunction(
      (before: number) =>
        Number(document.getElementById('req-total')?.textContent?.replace(/,/g, '')) >= before + 9 &&
        document.getElementById('degraded-total')?.textContent === '1' &&
        Number(document.getElementById('cache-hits')?.textContent) >= 3,
      totalBefore,
      { timeout: 20_000 },
    );
    for (const id of ['#lat-p50', '#lat-p95', '#lat-p99']) assert.match(await page.locator(id).innerText(), NUMBER, `${id} shows a number`);
    assert.match(await page.locator('#cache-ratio').innerText(), /^\d+(\.\d)?%$/);
    assert.match(await page.locator('#degraded-reasons').innerText(), /embedding_unavailable: 1/);
    await page.waitForFunction(() => document.getElementById('breakers')?.querySelector('table') !== null);
    assert.match(await page.locator('#breakers').innerText(), /embedding\s+closed/);
    await page.waitForFunction(() => document.getElementById('slo')?.querySelector('table') !== null);
    const slo = await page.locator('#slo').innerText();
    for (const name of ['availability', 'latency_p95', 'latency_p99']) assert.match(slo, new RegExp(name));

    // Steady traffic for the screenshot, so it shows live rates rather than an idle interval.
    let pumping = true;
    const pump = (async () => {
      while (pumping) await ask(n % 3 === 0);
    })();
    try {
      await page.waitForFunction(() => Number(document.getElementById('req-rate')?.textContent) > 0, undefined, { polling: 'raf', timeout: 20_000 });
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      pumping = false;
      await pump;
    }
    assert.ok(statSync(SCREENSHOT).size > 10_000, 'screenshot written');
    assert.equal(await page.locator('#error-banner').isHidden(), true);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failedRequests, []);
  });
});
