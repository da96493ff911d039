import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { RagdError } from '../../src/errors/ragd-error.js';
import { ProviderDispatchers } from '../../src/providers/http/dispatcher-pool.js';
import { readNdjson } from '../../src/providers/http/ndjson-reader.js';
import { isProviderFailure, statusError } from '../../src/providers/http/provider-error.js';
import { redactUpstreamText } from '../../src/providers/http/redact.js';
import { requestJson } from '../../src/providers/http/request.js';
import { parseRetryAfter } from '../../src/providers/http/retry-after.js';
import { readSse } from '../../src/providers/http/sse-reader.js';
import { buildGroundedPrompt } from '../../src/providers/prompt.js';
import { type FakeOllama, startFakeOllama } from '../support/fake-ollama.js';

function tags(dispatchers: ProviderDispatchers, base: string, signal = new AbortController().signal): Promise<unknown> {
  const url = `${base}/api/tags`;
  return requestJson({ dispatcher: dispatchers.get(url), url, provider: 'ollama', signal });
}

async function* chunksOf(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const p of parts) yield p;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('ProviderDispatchers', () => {
  let a: FakeOllama;
  let b: FakeOllama;
  before(async () => {
    a = await startFakeOllama();
    b = await startFakeOllama();
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  test('one keep-alive pool per origin, reused across calls', async () => {
    const dispatchers = new ProviderDispatchers();
    try {
      assert.equal(dispatchers.get(`${a.url}/api/tags`), dispatchers.get(new URL('/api/embed', a.url)));
      assert.notEqual(dispatchers.get(a.url), dispatchers.get(b.url));
      const connectionsBefore = a.stats().connections;
      for (let i = 0; i < 6; i++) await tags(dispatchers, a.url);
      const opened = a.stats().connections - connectionsBefore;
      // undici marks a client free a tick after its response ends, so a call made at once may
      // open one more socket; after that the sockets are reused, never one per call.
      assert.ok(opened >= 1 && opened <= 2, `six sequential calls opened ${opened} sockets`);
      const stats = dispatchers.stats();
      assert.deepEqual(
        stats.map((s) => s.origin),
        [a.url, b.url],
      );
      assert.equal(stats[0]?.connected, opened);
      assert.deepEqual({ ...stats[0], connected: 0, free: 0 }, { origin: a.url, connected: 0, free: 0, pending: 0, running: 0, size: 0 });
      assert.deepEqual(stats[1], { origin: b.url, connected: 0, free: 0, pending: 0, running: 0, size: 0 });
    } finally {
      await dispatchers.close();
    }
  });

  test('stats() shows a request running', async () => {
    const dispatchers = new ProviderDispatchers();
    a.setBehavior({ hang: true });
    try {
      const controller = new AbortController();
      const arrived = a.nextRequest('/api/tags');
      const pending = tags(dispatchers, a.url, controller.signal).catch((e: unknown) => e);
      await arrived;
      assert.deepEqual(dispatchers.stats()[0], { origin: a.url, connected: 1, free: 0, pending: 0, running: 1, size: 1 });
      controller.abort();
      const err = await pending;
      assert.ok(err instanceof RagdError && err.code === 'RAGD_ERR_CLIENT_CLOSED');
    } finally {
      a.setBehavior({});
      await dispatchers.destroy();
    }
  });

  test('the total cap holds across origins: a second origin waits for a socket to close', async () => {
    const dispatchers = new ProviderDispatchers({ connections: 1, connectionsPerHost: 1 });
    a.setBehavior({ hang: true });
    try {
      const controller = new AbortController();
      const arrivedA = a.nextRequest('/api/tags');
      const pendingA = tags(dispatchers, a.url, controller.signal).catch((e: unknown) => e);
      await arrivedA;
      assert.equal(dispatchers.budget.open, 1);

      const queued = once(dispatchers.budget, 'queued');
      const bRequestsBefore = b.stats().requests['/api/tags'] ?? 0;
      const pendingB = tags(dispatchers, b.url);
      await queued;
      assert.equal(dispatchers.budget.waiting, 1);
      const statsB = dispatchers.stats().find((s) => s.origin === b.url);
      assert.equal(statsB?.connected, 0);
      assert.equal(statsB?.pending, 1);
      assert.equal(b.stats().requests['/api/tags'] ?? 0, bRequestsBefore, 'B has not been contacted');

      controller.abort(); // A's socket closes, handing its slot to B
      assert.equal(((await pendingA) as RagdError).code, 'RAGD_ERR_CLIENT_CLOSED');
      const body = (await pendingB) as { models: unknown[] };
      assert.ok(Array.isArray(body.models));
      // Never more than the cap. (undici reconnects A after the abort to flush its queue, so A may
      // now be the one waiting.)
      assert.equal(dispatchers.budget.open, 1);
    } finally {
      a.setBehavior({});
      await dispatchers.destroy();
    }
  });

  test('a connect that cannot get a slot in time is RAGD_ERR_PROVIDER_UNAVAILABLE', async () => {
    const dispatchers = new ProviderDispatchers({ connections: 1, connectTimeoutMs: 30 });
    a.setBehavior({ hang: true });
    try {
      const controller = new AbortController();
      const arrivedA = a.nextRequest('/api/tags');
      const pendingA = tags(dispatchers, a.url, controller.signal).catch(() => undefined);
      await arrivedA;
      const err = await tags(dispatchers, b.url).then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof RagdError);
      assert.equal(err.code, 'RAGD_ERR_PROVIDER_UNAVAILABLE');
      assert.match(err.message, /UND_ERR_CONNECT_TIMEOUT/);
      controller.abort();
      await pendingA;
    } finally {
      a.setBehavior({});
      await dispatchers.destroy();
    }
  });

  test('close() closes every pool and refuses new origins', async () => {
    const dispatchers = new ProviderDispatchers();
    await tags(dispatchers, a.url);
    await tags(dispatchers, b.url);
    assert.deepEqual(
      dispatchers.stats().map((s) => s.connected),
      [1, 1],
    );
    const poolA = dispatchers.get(a.url);
    await dispatchers.close();
    assert.equal(poolA.closed, true);
    assert.deepEqual(
      dispatchers.stats().map((s) => s.connected),
      [0, 0],
    );
    assert.throws(
      () => dispatchers.get(a.url),
      (e: unknown) => e instanceof RagdError && e.code === 'RAGD_ERR_SHUTTING_DOWN',
    );
    await dispatchers.close(); // idempotent
  });

  test('options: per-host clamped to the total, bad values are RAGD_ERR_CONFIG', () => {
    const d = new ProviderDispatchers({ connections: 5, connectionsPerHost: 20 });
    assert.equal(d.connections, 5);
    assert.equal(d.connectionsPerHost, 5);
    const defaults = new ProviderDispatchers();
    assert.deepEqual(
      [defaults.connections, defaults.connectionsPerHost, defaults.connectTimeoutMs, defaults.readTimeoutMs],
      [100, 20, 10_000, 30_000],
    );
    assert.throws(
      () => new ProviderDispatchers({ connections: 0 }),
      (e: unknown) => e instanceof RagdError && e.code === 'RAGD_ERR_CONFIG',
    );
    assert.throws(
      () => d.get('ftp://example.com/'),
      (e: unknown) => e instanceof RagdError && e.code === 'RAGD_ERR_CONFIG',
    );
  });
});

describe('http helpers', () => {
  test('readSse: CRLF split across chunks, multi-line data, comments, event names', async () => {
    const events = await all(
      readSse(chunksOf(': keep-alive\r', '\ndata: {"a":1}\r', '\n\r\nevent: ping\ndata:x\ndata: y\n\n', 'data: [DONE]\n'), 'openai'),
    );
    assert.deepEqual(events, [
      { event: 'message', data: '{"a":1}' },
      { event: 'ping', data: 'x\ny' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  test('readNdjson: lines split mid-character and mid-line', async () => {
    const bytes = new TextEncoder().encode('{"t":"héllo"}\n\n{"t":"wörld"}');
    const values = await all(readNdjson(chunksOf(bytes.slice(0, 9), bytes.slice(9, 17), bytes.slice(17)), 'ollama'));
    assert.deepEqual(values, [{ t: 'héllo' }, { t: 'wörld' }]);
  });

  test('readNdjson: a line that is not JSON is RAGD_ERR_PROVIDER_RESPONSE', async () => {
    await assert.rejects(
      all(readNdjson(chunksOf('{"ok":1}\n{nope\n'), 'ollama')),
      (e: unknown) => e instanceof RagdError && e.code === 'RAGD_ERR_PROVIDER_RESPONSE',
    );
  });

  test('parseRetryAfter: seconds, HTTP date, past date, garbage', () => {
    const now = () => Date.parse('2030-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('12', now), 12);
    assert.equal(parseRetryAfter('1.2', now), 2);
    assert.equal(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now), 60);
    assert.equal(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  test('statusError: codes by status; the upstream message is redacted and truncated', () => {
    const err = statusError({
      provider: 'openai',
      status: 401,
      headers: {},
      bodyText: JSON.stringify({ error: { message: `Incorrect API key provided: sk-proj-abc123XYZ. ${'x'.repeat(1000)}` } }),
    });
    assert.equal(err.code, 'RAGD_ERR_PROVIDER_REJECTED');
    assert.ok(!err.message.includes('abc123XYZ'));
    assert.ok(err.message.length < 400);
    assert.equal(statusError({ provider: 'ollama', status: 503, headers: { 'retry-after': '3' }, bodyText: '' }).retryAfterSeconds, 3);
    assert.equal(statusError({ provider: 'ollama', status: 408, headers: {}, bodyText: '' }).code, 'RAGD_ERR_PROVIDER_UNAVAILABLE');
    assert.equal(redactUpstreamText('auth Bearer abc.def failed', ['nothing']), 'auth [redacted] failed');
    assert.equal(redactUpstreamText('key my-secret-key leaked', ['my-secret-key']), 'key [redacted] leaked');
  });

  test('isProviderFailure: provider faults yes, rejections and client closes no', () => {
    for (const code of [
      'RAGD_ERR_TIMEOUT',
      'RAGD_ERR_PROVIDER_UNAVAILABLE',
      'RAGD_ERR_PROVIDER_RATE_LIMITED',
      'RAGD_ERR_PROVIDER_RESPONSE',
    ] as const) {
      assert.equal(isProviderFailure(new RagdError(code)), true, code);
    }
    for (const code of ['RAGD_ERR_PROVIDER_REJECTED', 'RAGD_ERR_CLIENT_CLOSED', 'RAGD_ERR_VALIDATION'] as const) {
      assert.equal(isProviderFailure(new RagdError(code)), false, code);
    }
    assert.equal(isProviderFailure(new Error('boom')), false);
    assert.equal(isProviderFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), true);
  });

  test('the grounded prompt numbers sources and asks for [n] citations', () => {
    const [system, user] = buildGroundedPrompt(' Why? ', [
      { index: 1, title: 'A', text: 'alpha' },
      { index: 2, title: 'B', text: 'beta' },
    ]);
    assert.equal(system?.role, 'system');
    assert.match(system?.content ?? '', /only the numbered sources/);
    assert.match(system?.content ?? '', /\[1\]/);
    assert.match(system?.content ?? '', /do not contain/);
    assert.equal(user?.content, 'Sources:\n\n[1] A\nalpha\n\n[2] B\nbeta\n\nQuestion: Why?');
  });

  test('requestJson: an already-aborted caller fails at once with RAGD_ERR_CLIENT_CLOSED', async () => {
    const dispatchers = new ProviderDispatchers();
    const controller = new AbortController();
    controller.abort();
    try {
      await assert.rejects(
        requestJson({
          dispatcher: dispatchers.get('http://127.0.0.1:9/'),
          url: 'http://127.0.0.1:9/x',
          provider: 'ollama',
          signal: controller.signal,
        }),
        (e: unknown) => e instanceof RagdError && e.code === 'RAGD_ERR_CLIENT_CLOSED',
      );
      assert.deepEqual(dispatchers.stats()[0]?.connected, 0);
    } finally {
      await dispatchers.close();
    }
  });
});
