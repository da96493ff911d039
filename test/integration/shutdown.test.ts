/**
 * Graceful shutdown with real sockets and a real signal: after SIGTERM readiness is false and new
 * requests get 503 problem+json, the in-flight request (waiting on a slow upstream) completes
 * normally, and the process exits 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startChildServer } from '../support/child-server.js';
import { startFakeOpenAI } from '../support/fake-openai.js';
import { call } from '../support/test-server.js';

test('SIGTERM: in-flight requests finish, new ones get 503, exit code 0', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ragd-shutdown-'));
  const upstream = await startFakeOpenAI({ behavior: { latencyMs: 1500, routes: ['/v1/chat/completions'] } });
  const srv = await startChildServer({ RAGD_DATA_DIR: dataDir, RAGD_GENERATOR: 'openai', RAGD_OPENAI_BASE_URL: upstream.url, RAGD_OPENAI_API_KEY: 'sk-test' });
  try {
    const ingest = await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: [{ id: 'd', text: 'Paris is the capital of France.' }] });
    assert.equal(ingest.status, 201);
    // Warm readiness's provider-probe cache first, so readiness polls below answer at once.
    assert.equal((await call(srv.url, 'GET', '/health/ready')).status, 200);
    const inFlight = call(srv.url, 'POST', '/api/v1/rag/query', { query: 'capital of France?' });
    await upstream.nextRequest('/v1/chat/completions');
    srv.child.kill('SIGTERM');
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await call(srv.url, 'GET', '/health/ready');
      if (res.status === 503) refused = res;
      else await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(refused, 'readiness turned false');
    // Either the shutdown gate answered, or the readiness check itself saw the flag first.
    assert.ok(refused.body.code === 'RAGD_ERR_SHUTTING_DOWN' || refused.body.shuttingDown === true, refused.text);
    const fresh = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Paris' });
    assert.equal(fresh.status, 503);
    assert.match(fresh.headers.get('content-type') ?? '', /application\/problem\+json/);
    const done = await inFlight;
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.degraded, false);
    assert.equal(await srv.exited, 0);
  } finally {
    if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
