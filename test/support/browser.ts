/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core, with the
 * flags this offline machine needs (no background networking, no component updates), and a page
 * watcher that collects console errors and failed requests for the tests to assert on.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Records console errors, page errors, failed requests and HTTP >= 400 responses of `page`. */
export function watchPage(page: Page): { consoleErrors: string[]; failedRequests: string[] } {
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => failedRequests.push(`${req.url()} ${req.failure()?.errorText ?? ''}`));
  page.on('response', (res) => {
    if (res.status() >= 400) failedRequests.push(`${res.url()} HTTP ${res.status()}`);
  });
  return { consoleErrors, failedRequests };
}
