// Cache-hit bodies compressed once per encoding: the same encoding choice as @fastify/compress for
// every Accept-Encoding, bodies that decode to the JSON, one compression per body and encoding,
// and the plugin leaving such bodies alone.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerHttpHygiene } from '../../src/server/http-hygiene.js';
import { cachedBody, negotiatedEncoding, type CompressedForms } from '../../src/server/precompressed-body.js';

const BODY = JSON.stringify({ answer: 'Employees get 25 days of annual leave per year. [1]', citations: Array.from({ length: 5 }, (_, i) => ({ index: i + 1, text: `chunk ${i} `.repeat(80) })) });
const SMALL = JSON.stringify({ ok: true });

describe('cachedBody', () => {
  let app: FastifyInstance;
  let forms: CompressedForms = {};
  before(async () => {
    app = Fastify();
    await registerHttpHygiene(app, { corsOrigins: [], compression: true });
    app.get('/cached', (request, reply) => {
      reply.type('application/json; charset=utf-8');
      if (request.headers['x-vary'] !== undefined) reply.header('vary', 'origin');
      return cachedBody(request, reply, request.headers['x-small'] ? SMALL : BODY, forms, request.headers['x-off'] === undefined);
    });
    // The plugin's own behaviour on the same body, for comparison.
    app.get('/plain', (_request, reply) => {
      reply.type('application/json; charset=utf-8');
      return BODY;
    });
    await app.ready();
  });
  after(() => app.close());

  const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });

  test('the encoding is the one the plugin picks, for every Accept-Encoding', async () => {
    for (const ae of ['br', 'gzip', 'gzip, deflate, br', 'gzip;q=1, br;q=0.5', 'br;q=0', '*', 'x-gzip', 'identity', 'deflate', 'BR', 'gzip;q=0, identity', '']) {
      const headers: Record<string, string> = ae === '' ? {} : { 'accept-encoding': ae };
      const [cached, plain] = [await get('/cached', headers), await get('/plain', headers)];
      assert.equal(cached.headers['content-encoding'], plain.headers['content-encoding'], `Accept-Encoding: ${ae}`);
      const body = cached.rawPayload;
      const decoded = cached.headers['content-encoding'] === 'br' ? brotliDecompressSync(body) : cached.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      assert.equal(decoded.toString('utf8'), BODY, `Accept-Encoding: ${ae}`);
      if (cached.headers['content-encoding'] !== undefined) {
        assert.equal(Number(cached.headers['content-length']), body.length);
        assert.match(String(cached.headers.vary), /accept-encoding/);
      }
    }
  });

  test('each body is compressed once per encoding, then the same bytes are sent', async () => {
    forms = {};
    const first = await get('/cached', { 'accept-encoding': 'br' });
    const made = forms.br;
    assert.ok(made);
    const second = await get('/cached', { 'accept-encoding': 'br' });
    assert.equal(forms.br, made, 'not compressed again');
    assert.deepEqual(second.rawPayload, first.rawPayload);
    await get('/cached', { 'accept-encoding': 'gzip' });
    assert.ok(forms.gzip);
    assert.equal(negotiatedEncoding({ headers: { 'accept-encoding': 'gzip' } } as never), 'gzip');
  });

  test('no compression: small bodies, x-no-compression, compression off', async () => {
    forms = {};
    for (const headers of [{ 'x-small': '1' }, { 'x-no-compression': '1' }] as Record<string, string>[]) {
      const res = await get('/cached', { 'accept-encoding': 'br, gzip', ...headers });
      assert.equal(res.headers['content-encoding'], undefined, JSON.stringify(headers));
    }
    // RAGD_COMPRESSION=off (here the test app still has the plugin, so only the forms are checked).
    forms = {};
    await get('/cached', { 'accept-encoding': 'br, gzip', 'x-off': '1' });
    assert.deepEqual(Object.keys(forms), ['identity'], 'nothing compressed; only the bytes kept');
  });

  test('an uncompressed body is sent as bytes made once, with its length', async () => {
    forms = {};
    const first = await get('/cached', {});
    const bytes = forms.identity;
    assert.ok(bytes);
    assert.equal(first.body, BODY);
    assert.equal(first.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(Number(first.headers['content-length']), bytes.length);
    await get('/cached', {});
    assert.equal(forms.identity, bytes, 'not encoded again');
  });

  test('an existing Vary is kept', async () => {
    const res = await get('/cached', { 'accept-encoding': 'gzip', 'x-vary': '1' });
    assert.equal(res.headers.vary, 'origin, accept-encoding');
  });
});
