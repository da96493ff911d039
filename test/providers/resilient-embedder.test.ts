/**
 * ResilientEmbedder: an in-process embedder's small batches take the pipeline's synchronous path
 * (same vectors, same breaker accounting and refusals); larger batches and remote embedders go
 * through `execute` with a real signal.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import type { CallOptions } from '../../src/providers/call-options.js';
import type { Embedder } from '../../src/providers/embedder.js';
import { EMBED_SLICE, HashEmbedder } from '../../src/providers/local/hash-embedder.js';
import { ResilientEmbedder } from '../../src/providers/resilient-embedder.js';
import { Pipeline } from '../../src/resilience/pipeline.js';

const live = (): CallOptions => ({ signal: new AbortController().signal });

describe('ResilientEmbedder', () => {
  test('a small batch on the local embedder gives the same vectors as embed, counted once by the breaker', async () => {
    const local = new HashEmbedder({ dimensions: 64 });
    const pipeline = new Pipeline('embedding');
    const resilient = new ResilientEmbedder(local, pipeline);
    const texts = ['solar panels on the roof', 'how many days of leave'];
    assert.deepEqual(await resilient.embed(texts, live()), await local.embed(texts, live()));
    assert.deepEqual(pipeline.breaker.snapshot().totals, { calls: 1, successes: 1, failures: 0, rejections: 0 });
  });

  test('a batch larger than one slice goes through embed (which yields between slices)', async () => {
    const local = new HashEmbedder({ dimensions: 16 });
    let viaEmbed = 0;
    const embed = local.embed.bind(local);
    local.embed = (texts, options) => (viaEmbed++, embed(texts, options));
    const resilient = new ResilientEmbedder(local, new Pipeline('embedding'));
    const texts = Array.from({ length: EMBED_SLICE + 1 }, (_, i) => `text ${i}`);
    const out = await resilient.embed(texts, live());
    assert.equal(out.length, texts.length);
    assert.equal(viaEmbed, 1);
  });

  test('an aborted caller fails before embedding, as before', async () => {
    const resilient = new ResilientEmbedder(new HashEmbedder({ dimensions: 16 }), new Pipeline('embedding'));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(resilient.embed(['x'], { signal: controller.signal }), (e: unknown) => e instanceof RagdError && e.code === 'RAGD_ERR_CLIENT_CLOSED');
  });

  test('an embedder without embedInProcess (a remote one) is called with a live signal and the caller deadline', async () => {
    let seen: CallOptions | undefined;
    const remote: Embedder = {
      kind: 'openai',
      model: 'm',
      dimensions: 2,
      embed: async (texts, options) => ((seen = options), texts.map(() => new Float32Array([1, 0]))),
      probe: async () => undefined,
      close: async () => undefined,
    };
    const caller = new AbortController();
    const deadline = Date.now() + 60_000;
    await new ResilientEmbedder(remote, new Pipeline('embedding')).embed(['x'], { signal: caller.signal, deadline });
    assert.ok(seen?.signal instanceof AbortSignal);
    assert.notEqual(seen?.signal, caller.signal, 'the pipeline derives its own deadline signal');
    assert.equal(seen?.deadline, deadline);
  });
});
