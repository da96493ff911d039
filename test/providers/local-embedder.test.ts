import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { HashEmbedder, EMBED_SLICE } from '../../src/providers/local/hash-embedder.js';
import { RagdError, isRagdError } from '../../src/errors/ragd-error.js';

const live = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

describe('HashEmbedder', () => {
  const embedder = new HashEmbedder();

  test('identifies itself and defaults to 384 dimensions', async () => {
    assert.equal(embedder.kind, 'local');
    assert.equal(embedder.model, 'hash-v1');
    assert.equal(embedder.dimensions, 384);
    const [v] = await embedder.embed(['hello world'], live());
    assert.equal(v!.length, 384);
    const [w] = await new HashEmbedder({ dimensions: 64 }).embed(['hello world'], live());
    assert.equal(w!.length, 64);
  });

  test('is deterministic across calls and instances', async () => {
    const text = 'Photovoltaic cells convert sunlight into electricity.';
    const [a] = await embedder.embed([text], live());
    const [b] = await new HashEmbedder().embed([text], live());
    assert.deepEqual(a, b);
    assert.deepEqual(embedder.embedSync(text), a);
  });

  test('returns L2-normalised vectors, and zeros for text without words', async () => {
    const out = await embedder.embed(
      ['a', 'The quick brown fox jumps over the lazy dog. '.repeat(50), 'to be or not to be', '日本語のテキスト'],
      live(),
    );
    for (const v of out) assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    const [empty] = await embedder.embed(['  ... !!! '], live());
    assert.ok(empty!.every((x) => x === 0));
  });

  test('places similar texts closer than unrelated ones', async () => {
    const [q, near, far] = await embedder.embed(
      [
        'how do solar panels generate electricity',
        'Solar panels generate electricity when photovoltaic cells absorb sunlight.',
        'The recipe calls for two cups of flour and a pinch of salt.',
      ],
      live(),
    );
    assert.ok(cosine(q!, near!) > cosine(q!, far!) + 0.2);
  });

  test('matches inflections, case and compatibility forms through character n-grams and NFKC', async () => {
    const [a, b, c, d] = await embedder.embed(['embedding', 'embeddings', 'EMBEDDING', 'ﬁle'], live());
    const [file, unrelated] = await embedder.embed(['file', 'zebra'], live());
    assert.ok(cosine(a!, b!) > 0.5);
    assert.ok(Math.abs(cosine(a!, c!) - 1) < 1e-6);
    assert.ok(Math.abs(cosine(d!, file!) - 1) < 1e-6);
    assert.ok(cosine(a!, unrelated!) < 0.3);
  });

  test('keeps order across slices of a large batch', async () => {
    const texts = Array.from({ length: EMBED_SLICE * 2 + 5 }, (_, i) => `document number ${i} about topic ${i % 7}`);
    const out = await embedder.embed(texts, live());
    assert.equal(out.length, texts.length);
    out.forEach((v, i) => assert.deepEqual(v, embedder.embedSync(texts[i]!)));
  });

  test('rejects an already-aborted signal and a passed deadline', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      embedder.embed(['x'], { signal: ac.signal }),
      (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CLIENT_CLOSED',
    );
    const timeout = new AbortController();
    timeout.abort(new RagdError('RAGD_ERR_TIMEOUT'));
    await assert.rejects(
      embedder.embed(['x'], { signal: timeout.signal }),
      (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_TIMEOUT',
    );
    await assert.rejects(
      embedder.embed([], { signal: ac.signal }),
      (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CLIENT_CLOSED',
    );
    await assert.rejects(
      embedder.embed(['x'], { signal: live().signal, deadline: Date.now() - 1 }),
      (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_TIMEOUT',
    );
  });

  test('stops between slices when aborted mid-batch', async () => {
    const ac = new AbortController();
    const texts = Array.from({ length: EMBED_SLICE * 3 }, (_, i) => `text ${i}`);
    const pending = embedder.embed(texts, { signal: ac.signal });
    ac.abort(); // lands while the first slice's yield to the event loop is pending
    await assert.rejects(pending, (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CLIENT_CLOSED');
  });

  test('probe and close resolve; bad dimensions are a config error', async () => {
    await embedder.probe(live());
    await embedder.close();
    for (const dimensions of [0, -1, 1.5]) {
      assert.throws(
        () => new HashEmbedder({ dimensions }),
        (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG',
      );
    }
  });
});
