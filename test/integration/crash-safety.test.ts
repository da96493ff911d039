/**
 * Crash safety: SIGKILL the server during a large ingestion, restart it on the same data directory,
 * and check that every document acknowledged before the kill is fully searchable, nothing
 * half-ingested is visible, and the indexes agree with the store.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startChildServer } from '../support/child-server.js';
import { call } from '../support/test-server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ragd-crash-'));
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function startServer() {
  return startChildServer({ RAGD_DATA_DIR: dataDir, RAGD_SQLITE_SYNCHRONOUS: 'full' }).then((s) => {
    children.push(s.child);
    return s;
  });
}

/** A unique, searchable token per document (letters only so every analyser keeps it whole). */
function token(i: number): string {
  let s = '';
  let n = i + 1000;
  while (n > 0) {
    s += String.fromCharCode(97 + (n % 26));
    n = Math.floor(n / 26);
  }
  return `zeta${s}quux`;
}

function makeDoc(i: number) {
  // Same length for every i, so every document has the same number of chunks.
  const para = `Document ${String(i).padStart(5, '0')} describes the ${token(i)} procedure in detail. `.repeat(12);
  return { id: `doc-${i}`, title: `Doc ${i}`, text: `${para}\n\n${para}\n\n${para}` };
}

test('acknowledged documents survive SIGKILL mid-ingestion; nothing half-ingested is visible', { timeout: 120_000 }, async (t) => {
  const first = await startServer();
  const acked: number[] = [];
  const BATCH = 10;
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const ids = Array.from({ length: BATCH }, () => next++);
      try {
        const res = await call(first.url, 'POST', '/api/v1/rag/documents', { collection: 'crash', documents: ids.map(makeDoc) });
        if (res.status === 201) acked.push(...ids);
      } catch {
        return; // connection died with the server
      }
    }
  };
  const workers = [worker(), worker()];
  // Kill once a good number of batches are in, with requests still in flight.
  while (acked.length < 300) await new Promise((r) => setTimeout(r, 20));
  killed = true;
  first.child.kill('SIGKILL');
  await Promise.all(workers);
  await first.exited;

  const second = await startServer();
  const ready = await call(second.url, 'GET', '/health/ready');
  assert.equal(ready.status, 200, ready.text);
  const idx = (ready.body.dependencies as Record<string, { consistent: boolean; collections: { name: string; chunks: number; vector: number; lexical: number }[] }>).indexes!;
  assert.equal(idx.consistent, true, JSON.stringify(idx));

  // Every acknowledged document is there and searchable by its unique token.
  for (const i of acked) {
    const res = await call(second.url, 'POST', '/api/v1/rag/search', { collection: 'crash', query: token(i), mode: 'lexical', topK: 3 });
    assert.equal(res.status, 200);
    const top = (res.body.results as { documentId: string }[])[0];
    assert.equal(top?.documentId, `doc-${i}`, `acknowledged doc-${i} is searchable`);
  }

  // Nothing half-ingested: every visible document has all of its chunks in the store and indexes.
  const expectedChunks = (await call(second.url, 'POST', '/api/v1/rag/documents', { collection: 'probe', documents: [makeDoc(0)] })).body.chunks as number;
  let cursor: string | undefined;
  let total = 0;
  let docs = 0;
  do {
    const page = await call(second.url, 'GET', `/api/v1/rag/documents?collection=crash&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    for (const d of page.body.documents as { chunkCount: number }[]) {
      assert.equal(d.chunkCount, expectedChunks);
      total += d.chunkCount;
      docs++;
    }
    cursor = page.body.nextCursor as string | undefined;
  } while (cursor);
  assert.ok(docs >= acked.length, `${docs} documents visible, ${acked.length} acknowledged`);
  t.diagnostic(`acknowledged ${acked.length}, attempted ${next}, visible after restart ${docs}, chunks ${total}`);
  const crash = idx.collections.find((c) => c.name === 'crash')!;
  assert.equal(crash.chunks, total);
  assert.equal(crash.vector, total);
  assert.equal(crash.lexical, total);

  second.child.kill('SIGTERM');
  const code = await second.exited;
  assert.equal(code, 0, 'graceful shutdown exits 0');
});
