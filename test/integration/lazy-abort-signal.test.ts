/**
 * A request's abort signal is made only when work that can be aborted needs it: a semantic-cache hit
 * embeds the question in process and answers from the cache, so it makes no AbortController (nor its
 * timer and listener), while a miss, which retrieves and generates, does. Counted by wrapping the
 * global AbortController around requests sent with app.inject (no HTTP client in this process).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/test-server.js';

const DOCS = [{ id: 'tea', title: 'Tea', text: 'Green tea is steeped at 80 degrees for three minutes. Black tea needs boiling water.' }];

/** AbortControllers constructed while `fn` runs. */
async function countControllers(fn: () => Promise<unknown>): Promise<number> {
  const Original = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made++;
    }
  };
  try {
    await fn();
  } finally {
    globalThis.AbortController = Original;
  }
  return made;
}

describe('lazy request abort signal', () => {
  let srv: TestServer;
  const ask = async (query: string) => {
    const res = await srv.app.inject({ method: 'POST', url: '/api/v1/rag/query', payload: { collection: 'kb', query } });
    assert.equal(res.statusCode, 200, res.body);
    return res.headers['x-cache'];
  };
  before(async () => {
    srv = await startTestServer();
    const res = await srv.app.inject({ method: 'POST', url: '/api/v1/rag/documents', payload: { collection: 'kb', documents: DOCS } });
    assert.equal(res.statusCode, 201, res.body);
  });
  after(() => srv.stop());

  test('a miss makes the signal; a semantic hit, embedded in process, makes none', async () => {
    let cache: unknown;
    const onMiss = await countControllers(async () => {
      cache = await ask('At what temperature is green tea steeped?');
    });
    assert.equal(cache, 'miss');
    assert.ok(onMiss >= 1, `a miss made ${onMiss} AbortControllers`);
    const onHit = await countControllers(async () => {
      cache = await ask('At what temperature is the green tea steeped?');
    });
    assert.equal(cache, 'semantic');
    assert.equal(onHit, 0, 'the semantic hit made no AbortController');
  });
});

describe('requestAbortReason', () => {
  test('undefined while the request may go on; the timeout error once the deadline has passed; the signal\'s reason once it exists', async () => {
    const Fastify = (await import('fastify')).default;
    const { registerRequestContext, requestAbortReason } = await import('../../src/server/plugins/request-context.js');
    const app = Fastify({ logger: false });
    registerRequestContext(app, { requestTimeoutMs: 30_000 });
    app.get('/reason', async (request) => {
      const before = requestAbortReason(request);
      // Move the deadline into the past rather than waiting for it (tests never sleep).
      request.deadline = Date.now() - 1;
      const late = requestAbortReason(request) as { code?: string } | undefined;
      const signal = request.abortSignal; // made now: already aborted, with the same error
      const afterSignal = requestAbortReason(request) as { code?: string } | undefined;
      return { before: before === undefined, late: late?.code, signalAborted: signal.aborted, afterSignal: afterSignal?.code };
    });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/reason' });
    assert.deepEqual(res.json(), { before: true, late: 'RAGD_ERR_TIMEOUT', signalAborted: true, afterSignal: 'RAGD_ERR_TIMEOUT' });
    await app.close();
  });
});
