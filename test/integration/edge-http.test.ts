/**
 * HTTP hygiene over real sockets: brotli/gzip negotiated for large JSON, small bodies and SSE left
 * alone (and SSE still delivered event by event), security headers and a CSP that swagger-ui works
 * under (checked in Chromium when it is installed), CORS for configured origins only, the OpenAPI
 * document, and the secure-by-default bind policy.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { SERVICE_TOKEN, service } from '../support/edge-helpers.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { call, startTestServer, type TestServer } from '../support/test-server.js';
import { CHROMIUM, launchChromium } from '../support/browser.js';


interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A request whose response body is returned as sent (fetch would decompress it). */
function raw(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const BIG_TEXT = Array.from({ length: 200 }, (_, i) => `Sentence ${i} about solar panels, wind turbines and the grid.`).join(' ');

describe('compression', () => {
  let upstream: FakeOpenAI;
  let srv: TestServer;
  before(async () => {
    // A slow stream (the 2nd chunk comes much later) shows whether SSE events are held back anywhere.
    upstream = await startFakeOpenAI({ behavior: { chunkDelayMs: 20_000 } });
    srv = await startTestServer({ RAGD_GENERATOR: 'openai', RAGD_OPENAI_BASE_URL: upstream.url, RAGD_OPENAI_API_KEY: 'sk-test' });
    const res = await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: [{ id: 'big', title: 'Energy', text: BIG_TEXT }] });
    assert.equal(res.status, 201, res.text);
  });
  after(async () => {
    await srv.stop();
    await upstream.close();
  });

  test('large JSON: br when offered, else gzip; the body decodes to the same JSON', async () => {
    const url = `${srv.url}/api/v1/rag/documents/big`;
    const plain = await raw(url, 'GET', {});
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.length > 1024);
    const br = await raw(url, 'GET', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(String(br.headers.vary), /accept-encoding/i);
    assert.ok(br.body.length < plain.body.length / 2);
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.body).toString('utf8')), JSON.parse(plain.body.toString('utf8')));
    const gz = await raw(url, 'GET', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(gz.body).toString('utf8')), JSON.parse(plain.body.toString('utf8')));
  });

  test('small bodies are not compressed', async () => {
    const res = await raw(`${srv.url}/health/live`, 'GET', { 'accept-encoding': 'br, gzip' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.deepEqual(JSON.parse(res.body.toString('utf8')), { status: 'ok' });
  });

  test('SSE is never compressed and each event is sent as it happens', async () => {
    const first = await new Promise<{ headers: IncomingMessage['headers']; chunk: string; ended: boolean }>((resolve, reject) => {
      const req = httpRequest(
        `${srv.url}/api/v1/rag/query`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': 'br, gzip' } },
        (res) => {
          let ended = false;
          res.once('end', () => (ended = true));
          res.once('data', (c: Buffer) => {
            resolve({ headers: res.headers, chunk: c.toString('utf8'), ended });
            req.destroy();
          });
        },
      );
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      req.end(JSON.stringify({ query: 'What about solar panels?', stream: true }));
    });
    assert.match(String(first.headers['content-type']), /^text\/event-stream/);
    assert.equal(first.headers['content-encoding'], undefined);
    // The first delta arrived while the upstream was still holding back the rest of the answer.
    assert.match(first.chunk, /^event: delta\ndata: /);
    assert.equal(first.ended, false);
  });
});

describe('compressed cache hits', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({});
    const res = await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: [{ id: 'big', title: 'Energy', text: BIG_TEXT }] });
    assert.equal(res.status, 201, res.text);
  });
  after(async () => {
    await srv.stop();
  });

  test('an exact hit is sent in the encoding the client takes, the same bytes every time, decoding to the plain body', async () => {
    const url = `${srv.url}/api/v1/rag/query`;
    const body = { query: 'What do the sentences say about solar panels and the grid?', topK: 5 };
    const miss = await raw(url, 'POST', {}, body);
    assert.equal(miss.headers['x-cache'], 'miss');
    const plain = await raw(url, 'POST', {}, body);
    assert.equal(plain.headers['x-cache'], 'exact');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.length > 1024, `a body worth compressing (${plain.body.length} bytes)`);
    const br1 = await raw(url, 'POST', { 'accept-encoding': 'gzip, deflate, br' }, body);
    const br2 = await raw(url, 'POST', { 'accept-encoding': 'gzip, deflate, br' }, body);
    for (const br of [br1, br2]) {
      assert.equal(br.headers['x-cache'], 'exact');
      assert.equal(br.headers['content-encoding'], 'br');
      assert.equal(Number(br.headers['content-length']), br.body.length);
      assert.match(String(br.headers.vary), /accept-encoding/i);
      assert.equal(brotliDecompressSync(br.body).toString('utf8'), plain.body.toString('utf8'));
    }
    assert.deepEqual(br2.body, br1.body, 'compressed once, sent as is');
    const gz = await raw(url, 'POST', { 'accept-encoding': 'gzip' }, body);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString('utf8'), plain.body.toString('utf8'));
    const none = await raw(url, 'POST', { 'accept-encoding': 'identity' }, body);
    assert.equal(none.headers['content-encoding'], undefined);
    assert.deepEqual(none.body, plain.body);
  });
});

describe('headers, CORS, OpenAPI and /docs', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({
      RAGD_SERVICE_TOKEN: SERVICE_TOKEN,
      RAGD_CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
      RAGD_RATE_LIMIT: 'on',
    });
  });
  after(async () => {
    await srv.stop();
  });

  test("security headers on API responses and errors: OWASP's API set, no HTML-only headers", async () => {
    const answers = [
      await call(srv.url, 'GET', '/health/live'),
      await call(srv.url, 'GET', '/api/v1/rag/collections'),
      await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'x' }),
      await call(srv.url, 'GET', '/nope'),
    ];
    assert.deepEqual(answers.map((r) => r.status), [200, 401, 401, 401], 'unknown paths need a credential too');
    for (const res of answers) {
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'");
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-site');
      for (const htmlOnly of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection']) {
        assert.equal(res.headers.get(htmlOnly), null, htmlOnly);
      }
      assert.equal(res.headers.get('x-powered-by'), null);
    }
  });

  test("the HTML pages (/docs) get helmet's whole set with a same-origin CSP", async () => {
    const page = await fetch(`${srv.url}/docs`, { redirect: 'manual' });
    await page.arrayBuffer();
    assert.ok(page.status < 400, String(page.status));
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'.*frame-ancestors 'none'/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('cache-control')?.includes('no-store') ?? false, false, 'pages may be cached');
  });

  test('CORS: configured origins get headers (also on 401s), others none; preflight needs no credential', async () => {
    const pre = await fetch(`${srv.url}/api/v1/rag/search`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const denied = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'x' }, { origin: 'https://app.example.com' });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(denied.headers.get('access-control-expose-headers') ?? '', /x-request-id/);
    const ok = await call(srv.url, 'GET', '/api/v1/rag/collections', undefined, { ...service('acme'), origin: 'http://localhost:3000' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    const evil = await call(srv.url, 'GET', '/api/v1/rag/collections', undefined, { ...service('acme'), origin: 'https://evil.example' });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  test('streamed answers carry the same CORS, RateLimit and security headers as JSON ones', async () => {
    const h = { ...service('acme'), origin: 'https://app.example.com' };
    assert.equal(
      (await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: [{ id: 'd', text: 'Wind turbines turn wind into power.' }] }, h))
        .status,
      201,
    );
    const res = await call(
      srv.url,
      'POST',
      '/api/v1/rag/query',
      { query: 'What do wind turbines do?', stream: true },
      { ...h, 'x-request-id': 'sse-1' },
    );
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(res.headers.get('ratelimit-policy'), '"query";q=100;w=60');
    assert.equal(res.headers.get('x-request-id'), 'sse-1');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  test('/openapi.json: OpenAPI 3.1 from the route schemas, every resource route under /api/v1', async () => {
    const res = await call(srv.url, 'GET', '/openapi.json');
    assert.equal(res.status, 200);
    const spec = res.body as { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> };
    assert.equal(spec.openapi, '3.1.0');
    const paths = Object.keys(spec.paths);
    for (const p of [
      '/api/v1/rag/search',
      '/api/v1/rag/query',
      '/api/v1/rag/documents',
      '/api/v1/rag/documents/{id}',
      '/api/v1/rag/collections',
      '/api/v1/admin/keys',
      '/api/v1/admin/keys/{id}',
    ]) {
      assert.ok(paths.includes(p), `${p} documented`);
    }
    for (const p of paths) assert.match(p, /^\/(api\/v1\/|health\/|metrics)/, p);
    const search = spec.paths['/api/v1/rag/search']!.post as { requestBody: unknown; responses: Record<string, unknown> };
    assert.ok(search.requestBody);
    for (const status of ['200', '400', '401', '403', '404', '429']) assert.ok(search.responses[status], `search documents ${status}`);
    assert.deepEqual((spec.paths['/health/live']!.get as { security: unknown[] }).security, []);
  });

  test('/docs serves swagger-ui from its own files', async () => {
    const page = await fetch(`${srv.url}/docs/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\/(?!localhost)/);
    for (const m of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const asset = await fetch(new URL(m[1]!, `${srv.url}/docs/`));
      assert.equal(asset.status, 200, m[1]);
    }
  });

  test(
    '/docs renders in Chromium under the Content-Security-Policy',
    { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed` },
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        await page.goto(`${srv.url}/docs/`);
        await page.waitForSelector('.opblock-summary-path', { timeout: 15_000 });
        const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent ?? ''));
        assert.ok(
          paths.some((p) => p.includes('/api/v1/rag/query')),
          paths.join(','),
        );
        assert.deepEqual(
          problems.filter((p) => /Content Security Policy|Refused/.test(p)),
          [],
        );
      } finally {
        await browser.close();
      }
    },
  );
});

describe('secure by default', () => {
  test('no credential and a non-loopback host: refuses to start, naming the fixes', async () => {
    await assert.rejects(startTestServer({ RAGD_HOST: '0.0.0.0' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'RAGD_ERR_CONFIG');
      assert.match(err.message, /refusing to listen on 0\.0\.0\.0/);
      assert.match(err.message, /RAGD_SERVICE_TOKEN/);
      assert.match(err.message, /RAGD_AUTH=off/);
      return true;
    });
  });

  test('a credential, or RAGD_AUTH=off (logged), allows a non-loopback host', async () => {
    const locked = await startTestServer({ RAGD_HOST: '0.0.0.0', RAGD_SERVICE_TOKEN: SERVICE_TOKEN });
    await locked.stop();
    const open = await startTestServer({ RAGD_HOST: '0.0.0.0', RAGD_AUTH: 'off' });
    assert.ok(open.logs.some((l) => l.level === 40 && /RAGD_AUTH=off/.test(String(l.msg))));
    await open.stop();
  });

  test('open on loopback: starts, and warns that the API is unauthenticated', async () => {
    const srv = await startTestServer();
    try {
      assert.ok(srv.logs.some((l) => l.level === 40 && /authentication is off/.test(String(l.msg))));
      assert.equal((await call(srv.url, 'GET', '/api/v1/rag/collections')).status, 200);
    } finally {
      await srv.stop();
    }
  });

  test('RAGD_AUTH=on with no credential yet: everything but public routes is 401', async () => {
    const srv = await startTestServer({ RAGD_AUTH: 'on' });
    try {
      assert.equal((await call(srv.url, 'GET', '/api/v1/rag/collections')).status, 401);
      assert.equal((await call(srv.url, 'GET', '/health/live')).status, 200);
    } finally {
      await srv.stop();
    }
  });
});
