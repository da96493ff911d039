/**
 * Replace/delete churn through the real server: usearch's native remove can hang after long churn
 * (unum-cloud/USearch#753), so ragd tombstones removals and rebuilds the graph in the background.
 * Many rounds of re-ingestion must stay consistent, trigger compaction, and never return old text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, startTestServer } from '../support/test-server.js';

test('40 rounds of re-ingesting 50 documents: consistent indexes, compaction ran, only current text found', { timeout: 120_000 }, async () => {
  const srv = await startTestServer();
  try {
    for (let round = 0; round < 40; round++) {
      const docs = Array.from({ length: 50 }, (_, i) => ({ id: `d${i}`, text: `Round ${round} note ${i} about topic ${i % 7}. `.repeat(30) }));
      const res = await call(srv.url, 'POST', '/api/v1/rag/documents', { documents: docs });
      assert.equal(res.status, 201, res.text);
    }
    const ready = await call(srv.url, 'GET', '/health/ready');
    const idx = (ready.body.dependencies as Record<string, { consistent: boolean; collections: { chunks: number; vector: number }[] }>).indexes!;
    assert.equal(idx.consistent, true, JSON.stringify(idx));
    assert.ok(srv.logs.some((l) => l.msg === 'vector index compacted'), 'compaction ran');
    for (const mode of ['vector', 'hybrid', 'lexical']) {
      const res = await call(srv.url, 'POST', '/api/v1/rag/search', { query: 'Round 12 note 3', mode, topK: 20 });
      for (const r of res.body.results as { text: string }[]) assert.match(r.text, /^Round 39 /, `${mode} returned stale text`);
    }
  } finally {
    await srv.stop();
  }
});
