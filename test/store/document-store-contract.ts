/**
 * The DocumentStore contract as a reusable suite: every backend (SQLite today, PostgreSQL later)
 * calls `documentStoreContract` with a factory, then adds its own backend-specific tests.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DocumentStore } from '../../src/store/document-store.js';
import type { ChunkWrite, CollectionKey, DocumentWrite, EmbedderSignature, Metadata } from '../../src/store/types.js';

export interface StoreHandle {
  store: DocumentStore;
  cleanup: () => Promise<void>;
}

export const SIGNATURE: EmbedderSignature = { embedder: 'local', model: 'hash-v1', dimensions: 4 };
export const KEY: CollectionKey = { tenant: 't1', name: 'docs' };

/** A deterministic embedding whose values identify the chunk. */
export function vectorFor(seed: number, dimensions = SIGNATURE.dimensions): Float32Array {
  return Float32Array.from({ length: dimensions }, (_, i) => seed + i / 8);
}

export interface DocOptions {
  chunks?: number;
  title?: string;
  metadata?: Metadata;
  dimensions?: number;
  version?: string;
}

/** A document with `chunks` chunks whose text mentions the document id and `version`. */
export function makeDoc(id: string, options: DocOptions = {}): DocumentWrite {
  const n = options.chunks ?? 2;
  const version = options.version ?? 'v1';
  const chunks: ChunkWrite[] = [];
  let text = '';
  for (let i = 0; i < n; i++) {
    const chunkText = `${id} chunk ${i} ${version}`;
    chunks.push({
      id: `${id}#${i}-${version}`,
      ordinal: i,
      text: chunkText,
      headings: i === 0 ? [] : ['Intro', `Part ${i}`],
      start: text.length,
      end: text.length + chunkText.length,
      embedding: vectorFor(i, options.dimensions),
    });
    text += chunkText + ' ';
  }
  return {
    id,
    title: options.title ?? `Title of ${id}`,
    format: 'text',
    metadata: options.metadata ?? {},
    contentHash: `hash-${id}-${version}`,
    text,
    chunks,
  };
}

/** Rejects with a RagdError carrying `code`; returns it for further checks. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<{ code: string; details?: Record<string, unknown> }> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof Error, `expected a rejection with ${code}`);
  const err = caught as Error & { code?: string; details?: Record<string, unknown> };
  assert.equal(err.code, code, err.message);
  return { code: err.code, ...(err.details ? { details: err.details } : {}) };
}

async function labelsOf(store: DocumentStore, collectionId: number): Promise<number[]> {
  const out: number[] = [];
  for await (const page of store.scanIndexableChunks(collectionId, 100)) out.push(...page.map((c) => c.label));
  return out;
}

/**
 * Backend notes the suite pins down: document ids list in UTF-8 byte order (PostgreSQL: COLLATE "C");
 * labels and collection ids are never reused; `maxSeq` survives compaction.
 *
 * @param makeStore returns an opened, empty store (fresh database or schema) and a cleanup that
 *   closes it and removes whatever it created.
 */
export function documentStoreContract(name: string, makeStore: () => Promise<StoreHandle>): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let handle: StoreHandle;
    let store: DocumentStore;
    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    describe('collections', () => {
      test('ensureCollection creates once and returns the same record afterwards', async () => {
        const created = await store.ensureCollection(KEY, SIGNATURE);
        assert.equal(created.tenant, 't1');
        assert.equal(created.name, 'docs');
        assert.deepEqual(
          { embedder: created.embedder, model: created.model, dimensions: created.dimensions },
          SIGNATURE,
        );
        assert.equal(created.documentCount, 0);
        assert.equal(created.chunkCount, 0);
        assert.ok(created.createdAt <= created.updatedAt);
        const again = await store.ensureCollection(KEY, SIGNATURE);
        assert.deepEqual(again, created);
        assert.deepEqual(await store.getCollection(KEY), created);
        assert.deepEqual(await store.getCollectionById(created.id), created);
        assert.equal(await store.getCollection({ tenant: 't1', name: 'other' }), undefined);
        assert.equal(await store.getCollectionById(created.id + 1000), undefined);
      });

      test('knownCollection, where a store has it, is undefined or exactly what getCollection says, across writes', async () => {
        const known = (): unknown => store.knownCollection?.(KEY);
        const agrees = async (when: string): Promise<void> => {
          const k = known();
          if (k !== undefined) assert.deepEqual(k, await store.getCollection(KEY), when);
        };
        assert.equal(known(), undefined, 'nothing known before the collection exists');
        await store.ensureCollection(KEY, SIGNATURE);
        await agrees('after create');
        assert.ok((await store.getCollection(KEY)) !== undefined);
        if (store.knownCollection) assert.deepEqual(known(), await store.getCollection(KEY), 'known once read');
        const [put] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 2 })]);
        await agrees('after a write');
        if (store.knownCollection) {
          await store.getCollection(KEY);
          assert.equal((known() as { version: number }).version, put!.collection.version, 'the bumped version, never the old one');
        }
        await store.deleteCollection(KEY);
        assert.equal(known(), undefined, 'a deleted collection is not known');
        assert.equal(await store.getCollection(KEY), undefined);
      });

      test('a different embedder, model or dimensions is RAGD_ERR_EMBEDDER_MISMATCH with expected and actual', async () => {
        await store.ensureCollection(KEY, SIGNATURE);
        for (const other of [
          { ...SIGNATURE, embedder: 'openai' },
          { ...SIGNATURE, model: 'hash-v2' },
          { ...SIGNATURE, dimensions: 8 },
        ]) {
          const err = await rejectsWithCode(store.ensureCollection(KEY, other), 'RAGD_ERR_EMBEDDER_MISMATCH');
          assert.deepEqual(err.details, { expected: SIGNATURE, actual: other });
        }
        const docs = [makeDoc('a', { dimensions: 8 })];
        await rejectsWithCode(store.putDocuments(KEY, { ...SIGNATURE, dimensions: 8 }, docs), 'RAGD_ERR_EMBEDDER_MISMATCH');
        assert.equal((await store.getCollection(KEY))?.documentCount, 0);
      });

      test('names are unique per tenant; listCollections orders by tenant and name and filters by tenant', async () => {
        const b = await store.ensureCollection({ tenant: 't2', name: 'docs' }, SIGNATURE);
        const a = await store.ensureCollection({ tenant: 't1', name: 'zeta' }, SIGNATURE);
        const c = await store.ensureCollection({ tenant: 't1', name: 'alpha' }, { ...SIGNATURE, dimensions: 8 });
        assert.notEqual(a.id, b.id);
        assert.deepEqual((await store.listCollections()).map((x) => [x.tenant, x.name]), [
          ['t1', 'alpha'],
          ['t1', 'zeta'],
          ['t2', 'docs'],
        ]);
        assert.deepEqual((await store.listCollections('t1')).map((x) => x.id), [c.id, a.id]);
        assert.deepEqual(await store.listCollections('nobody'), []);
      });

      test('deleteCollection removes documents and chunks, logs a del per chunk and never reuses the id', async () => {
        const [first] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 3 }), makeDoc('b', { chunks: 1 })]);
        const colId = first!.collection.id;
        const labels = await labelsOf(store, colId);
        assert.equal(labels.length, 4);
        const before = await store.maxSeq();
        assert.equal(await store.deleteCollection(KEY), true);
        assert.equal(await store.deleteCollection(KEY), false);
        assert.equal(await store.getCollection(KEY), undefined);
        assert.equal(await store.getDocument(KEY, 'a'), undefined);
        assert.deepEqual(await store.getChunks(labels), []);
        const log = await store.changesSince(before, 100);
        assert.deepEqual(log.map((c) => [c.op, c.label, c.collectionId]), labels.map((l) => ['del', l, colId]));
        const recreated = await store.ensureCollection(KEY, SIGNATURE);
        assert.notEqual(recreated.id, colId);
        assert.equal(recreated.documentCount, 0);
      });
    });

    describe('putDocuments', () => {
      test('inserts documents and chunks, logs an add per label and bumps the version once', async () => {
        const results = await store.putDocuments(KEY, SIGNATURE, [
          makeDoc('a', { chunks: 2, metadata: { lang: 'en' } }),
          makeDoc('b', { chunks: 3 }),
        ]);
        assert.equal(results.length, 2);
        const maxSeq = await store.maxSeq();
        for (const r of results) {
          assert.equal(r.replaced, false);
          assert.equal(r.seq, maxSeq);
          assert.equal(r.collection.documentCount, 2);
          assert.equal(r.collection.chunkCount, 5);
          assert.equal(r.collection.version, 1);
        }
        const log = await store.changesSince(0, 100);
        assert.equal(log.length, 5);
        assert.ok(log.every((c) => c.op === 'add' && c.collectionId === results[0]!.collection.id));
        assert.deepEqual(log.map((c) => c.seq), [...log.map((c) => c.seq)].sort((x, y) => x - y));
        assert.equal(log.at(-1)!.seq, maxSeq);

        const chunks = await store.getChunks(log.map((c) => c.label));
        assert.deepEqual(chunks.map((c) => [c.documentId, c.ordinal]), [
          ['a', 0],
          ['a', 1],
          ['b', 0],
          ['b', 1],
          ['b', 2],
        ]);
        const a1 = chunks[1]!;
        assert.equal(a1.id, 'a#1-v1');
        assert.equal(a1.title, 'Title of a');
        assert.equal(a1.text, 'a chunk 1 v1');
        assert.deepEqual(a1.headings, ['Intro', 'Part 1']);
        assert.deepEqual(a1.metadata, { lang: 'en' });
        assert.equal(a1.collectionId, results[0]!.collection.id);

        const doc = await store.getDocument(KEY, 'a');
        const written = makeDoc('a', { chunks: 2, metadata: { lang: 'en' } });
        assert.ok(doc);
        assert.equal(doc.text, written.text);
        assert.equal(doc.textLength, written.text.length);
        assert.equal(doc.chunkCount, 2);
        assert.equal(doc.collection, 'docs');
        assert.equal(doc.contentHash, 'hash-a-v1');
        assert.equal(doc.format, 'text');
        assert.deepEqual(doc.metadata, { lang: 'en' });
      });

      test('indexable chunks join title, headings and text, and carry the embedding', async () => {
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 2 })]);
        const labels = (await store.changesSince(0, 10)).map((c) => c.label);
        const indexable = await store.getIndexableChunks([labels[1]!, 999_999, labels[0]!]);
        assert.equal(indexable.length, 2);
        assert.equal(indexable[0]!.label, labels[1]);
        assert.equal(indexable[0]!.text, 'Title of a\nIntro\nPart 1\na chunk 1 v1');
        assert.equal(indexable[1]!.text, 'Title of a\na chunk 0 v1');
        assert.ok(indexable[0]!.embedding instanceof Float32Array);
        assert.deepEqual(indexable[0]!.embedding, vectorFor(1));
        assert.deepEqual(indexable[1]!.embedding, vectorFor(0));
      });

      test('replacing a document swaps its chunks atomically: old labels gone, new labels, del then add in the log', async () => {
        const [first] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 3 }), makeDoc('b', { chunks: 1 })]);
        const original = await store.getDocument(KEY, 'a');
        const oldLabels = (await store.changesSince(0, 100)).filter((c) => c.op === 'add').slice(0, 3).map((c) => c.label);
        const afterFirst = await store.maxSeq();

        const [second] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 2, version: 'v2', metadata: { v: 2 } })]);
        assert.equal(second!.replaced, true);
        assert.equal(second!.collection.version, first!.collection.version + 1);
        assert.equal(second!.collection.documentCount, 2);
        assert.equal(second!.collection.chunkCount, 3);

        const log = await store.changesSince(afterFirst, 100);
        assert.deepEqual(log.slice(0, 3).map((c) => [c.op, c.label]), oldLabels.map((l) => ['del', l]));
        const added = log.slice(3);
        assert.equal(added.length, 2);
        assert.ok(added.every((c) => c.op === 'add' && c.label > Math.max(...oldLabels)));
        assert.equal(second!.seq, log.at(-1)!.seq);

        assert.deepEqual(await store.getChunks(oldLabels), []);
        const fresh = await store.getChunks(added.map((c) => c.label));
        assert.deepEqual(fresh.map((c) => c.text), ['a chunk 0 v2', 'a chunk 1 v2']);
        assert.deepEqual(fresh[0]!.metadata, { v: 2 });
        const doc = await store.getDocument(KEY, 'a');
        assert.equal(doc?.contentHash, 'hash-a-v2');
        assert.equal(doc?.chunkCount, 2);
        assert.equal(doc?.createdAt, original?.createdAt);
        assert.ok(doc!.updatedAt >= original!.updatedAt);
        const collectionLabels = await labelsOf(store, first!.collection.id);
        assert.equal(collectionLabels.length, 3);
      });

      test('a failure anywhere in the batch rolls back everything, including a new collection', async () => {
        const before = await store.maxSeq();
        const bad = makeDoc('bad', { dimensions: 3 });
        const err = await rejectsWithCode(
          store.putDocuments(KEY, SIGNATURE, [makeDoc('good', { chunks: 2 }), bad]),
          'RAGD_ERR_EMBEDDER_MISMATCH',
        );
        assert.deepEqual(err.details?.['expected'], { dimensions: 4 });
        assert.deepEqual(err.details?.['actual'], { dimensions: 3 });
        assert.equal(await store.getCollection(KEY), undefined);
        assert.equal(await store.maxSeq(), before);
        assert.deepEqual(await store.changesSince(0, 100), []);
      });

      test('a failed replace leaves the previous version of every document intact', async () => {
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 2 }), makeDoc('b', { chunks: 1 })]);
        const collection = await store.getCollection(KEY);
        const labels = await labelsOf(store, collection!.id);
        const seq = await store.maxSeq();
        await rejectsWithCode(
          store.putDocuments(KEY, SIGNATURE, [
            makeDoc('a', { chunks: 4, version: 'v2' }),
            makeDoc('c', { chunks: 1 }),
            makeDoc('b', { chunks: 1, version: 'v2', dimensions: 5 }),
          ]),
          'RAGD_ERR_EMBEDDER_MISMATCH',
        );
        assert.deepEqual(await store.getCollection(KEY), collection);
        assert.equal(await store.maxSeq(), seq);
        assert.deepEqual(await labelsOf(store, collection!.id), labels);
        assert.deepEqual((await store.getChunks(labels)).map((c) => c.text), ['a chunk 0 v1', 'a chunk 1 v1', 'b chunk 0 v1']);
        assert.equal(await store.getDocument(KEY, 'c'), undefined);
        assert.equal((await store.getDocument(KEY, 'a'))?.contentHash, 'hash-a-v1');
      });

      test('duplicate ids in one batch are RAGD_ERR_DUPLICATE_DOCUMENT_ID and nothing is written', async () => {
        await rejectsWithCode(
          store.putDocuments(KEY, SIGNATURE, [makeDoc('a'), makeDoc('b'), makeDoc('a', { version: 'v2' })]),
          'RAGD_ERR_DUPLICATE_DOCUMENT_ID',
        );
        assert.equal(await store.getCollection(KEY), undefined);
        assert.equal(await store.maxSeq(), 0);
      });

      test('an empty batch creates the collection without bumping its version', async () => {
        assert.deepEqual(await store.putDocuments(KEY, SIGNATURE, []), []);
        const col = await store.getCollection(KEY);
        assert.equal(col?.version, 0);
        assert.equal(await store.maxSeq(), 0);
      });

      test('labels are never reused, even after the newest chunks are deleted', async () => {
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 3 })]);
        const first = (await store.changesSince(0, 10)).map((c) => c.label);
        await store.deleteDocument(KEY, 'a');
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 3 })]);
        const adds = (await store.changesSince(0, 100)).filter((c) => c.op === 'add').map((c) => c.label);
        const second = adds.slice(3);
        assert.equal(second.length, 3);
        assert.ok(Math.min(...second) > Math.max(...first));
      });
    });

    describe('documents', () => {
      test('deleteDocument logs a del per chunk, updates counts and version; unknown ids give undefined', async () => {
        const [put] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 2 }), makeDoc('b', { chunks: 3 })]);
        const seq = await store.maxSeq();
        const bLabels = (await store.changesSince(0, 100)).slice(2).map((c) => c.label);
        const res = await store.deleteDocument(KEY, 'b');
        assert.ok(res);
        assert.equal(res.collection.documentCount, 1);
        assert.equal(res.collection.chunkCount, 2);
        assert.equal(res.collection.version, put!.collection.version + 1);
        const log = await store.changesSince(seq, 100);
        assert.deepEqual(log.map((c) => [c.op, c.label]), bLabels.map((l) => ['del', l]));
        assert.equal(res.seq, log.at(-1)!.seq);
        assert.equal(await store.getDocument(KEY, 'b'), undefined);
        assert.deepEqual(await store.getChunks(bLabels), []);
        assert.equal(await store.deleteDocument(KEY, 'b'), undefined);
        assert.equal(await store.deleteDocument({ tenant: 't1', name: 'nope' }, 'a'), undefined);
        assert.equal((await store.getCollection(KEY))?.version, res.collection.version);
      });

      test('listDocuments pages in id order with an opaque cursor', async () => {
        const ids = ['m', 'b', 'é-unicode', 'a', 'z/slash', 'c', 'k'];
        await store.putDocuments(KEY, SIGNATURE, ids.map((id) => makeDoc(id, { chunks: 1 })));
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listDocuments(KEY, cursor === undefined ? { limit: 3 } : { limit: 3, cursor });
          pages += 1;
          assert.ok(page.items.length <= 3);
          seen.push(...page.items.map((d) => d.id));
          assert.ok(page.items.every((d) => d.collection === 'docs' && d.chunkCount === 1 && !('text' in d)));
          cursor = page.nextCursor;
          if (cursor !== undefined) assert.match(cursor, /^[A-Za-z0-9_-]+$/);
        } while (cursor !== undefined);
        assert.equal(pages, 3);
        assert.deepEqual(seen, [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
        const exact = await store.listDocuments(KEY, { limit: 7 });
        assert.equal(exact.items.length, 7);
        assert.equal(exact.nextCursor, undefined);
        assert.deepEqual(await store.listDocuments({ tenant: 'x', name: 'y' }, { limit: 5 }), { items: [] });
      });

      test('an invalid cursor is RAGD_ERR_VALIDATION on field cursor', async () => {
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a')]);
        for (const cursor of ['not base64!', '', 'a=b', '////']) {
          const err = await rejectsWithCode(store.listDocuments(KEY, { limit: 2, cursor }), 'RAGD_ERR_VALIDATION');
          assert.deepEqual(err.details, { field: 'cursor' });
        }
      });

      test('getContentHashes returns hashes of existing documents only', async () => {
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a'), makeDoc('b', { version: 'v9' })]);
        const hashes = await store.getContentHashes(KEY, ['a', 'b', 'missing']);
        assert.deepEqual([...hashes.entries()].sort(), [
          ['a', 'hash-a-v1'],
          ['b', 'hash-b-v9'],
        ]);
        assert.equal((await store.getContentHashes({ tenant: 'x', name: 'y' }, ['a'])).size, 0);
      });

      test('getChunks returns chunks in the order asked for and skips unknown labels', async () => {
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 3 }), makeDoc('b', { chunks: 2 })]);
        const labels = (await store.changesSince(0, 100)).map((c) => c.label);
        const asked = [labels[4]!, -1, labels[0]!, 123_456_789, labels[2]!, labels[3]!];
        const chunks = await store.getChunks(asked);
        assert.deepEqual(chunks.map((c) => c.label), [labels[4], labels[0], labels[2], labels[3]]);
        assert.deepEqual(chunks.map((c) => c.documentId), ['b', 'a', 'a', 'b']);
        assert.deepEqual(await store.getChunks([]), []);
      });
    });

    describe('labelsMatching', () => {
      const weird = 'we"ird.key\'$[0]';
      const metaA: Metadata = { lang: 'en', year: 2024, draft: false, tags: ['a', 'b'], nested: { x: 1, y: [2, 3] }, gone: null, [weird]: 'v' };
      const metaB: Metadata = { lang: 'de', year: 2023, draft: true, tags: ['b', 'a'], nested: { y: [2, 3], x: 1 }, 'a.b': 'dotted' };

      test('matches top-level metadata by type-aware equality', async () => {
        const [res] = await store.putDocuments(KEY, SIGNATURE, [
          makeDoc('a', { chunks: 2, metadata: metaA }),
          makeDoc('b', { chunks: 1, metadata: metaB }),
        ]);
        await store.putDocuments({ tenant: 't1', name: 'other' }, SIGNATURE, [makeDoc('a', { chunks: 1, metadata: metaA })]);
        const colId = res!.collection.id;
        const labels = await labelsOf(store, colId);
        const a = new Set(labels.slice(0, 2));
        const b = new Set(labels.slice(2));
        const all = new Set(labels);
        const none = new Set<number>();
        const cases: Array<[Metadata, Set<number>]> = [
          [{}, all],
          [{ lang: 'en' }, a],
          [{ lang: 'de' }, b],
          [{ lang: 'fr' }, none],
          [{ year: 2024 }, a],
          [{ year: 2024.0, lang: 'en' }, a],
          [{ year: 2024, lang: 'de' }, none],
          [{ year: '2024' }, none],
          [{ draft: false }, a],
          [{ draft: true }, b],
          [{ draft: 0 }, none],
          [{ gone: null }, a],
          [{ missing: null }, none],
          [{ tags: ['a', 'b'] }, a],
          [{ tags: ['b', 'a'] }, b],
          [{ tags: 'a' }, none],
          [{ nested: { y: [2, 3], x: 1 } }, all],
          [{ nested: { x: 1 } }, none],
          [{ [weird]: 'v' }, a],
          [{ 'a.b': 'dotted' }, b],
          [{ a: { b: 'dotted' } }, none],
        ];
        for (const [filter, expected] of cases) {
          assert.deepEqual(await store.labelsMatching(colId, filter), expected, JSON.stringify(filter));
        }
        assert.deepEqual(await store.labelsMatching(colId + 1000, {}), none);
      });
    });

    describe('change log', () => {
      test('changesSince pages in seq order; compactLog drops old entries but keeps maxSeq', async () => {
        assert.equal(await store.maxSeq(), 0);
        assert.equal(await store.minRetainedSeq(), 1);
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 3 })]);
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('b', { chunks: 2 })]);
        await store.deleteDocument(KEY, 'a');
        const all = await store.changesSince(0, 1000);
        assert.equal(all.length, 8);
        assert.deepEqual(all.map((c) => c.op), ['add', 'add', 'add', 'add', 'add', 'del', 'del', 'del']);
        for (let i = 1; i < all.length; i++) assert.ok(all[i]!.seq > all[i - 1]!.seq);
        const max = await store.maxSeq();
        assert.equal(max, all.at(-1)!.seq);

        const paged = [];
        let after = 0;
        for (;;) {
          const page = await store.changesSince(after, 3);
          if (page.length === 0) break;
          assert.ok(page.length <= 3);
          paged.push(...page);
          after = page.at(-1)!.seq;
        }
        assert.deepEqual(paged, all);

        const cut = all[4]!.seq;
        await store.compactLog(cut);
        assert.equal(await store.minRetainedSeq(), cut + 1);
        assert.deepEqual(await store.changesSince(0, 100), all.slice(5));
        await store.compactLog(cut - 2);
        assert.equal(await store.minRetainedSeq(), cut + 1, 'compacting to a lower seq is a no-op');

        await store.compactLog(max + 50);
        assert.deepEqual(await store.changesSince(0, 100), []);
        assert.equal(await store.maxSeq(), max, 'maxSeq survives compaction');
        assert.equal(await store.minRetainedSeq(), max + 1, 'compaction is clamped to maxSeq');

        const [res] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('c', { chunks: 1 })]);
        const fresh = await store.changesSince(0, 100);
        assert.equal(fresh.length, 1);
        assert.equal(fresh[0]!.seq, max + 1);
        assert.equal(res!.seq, max + 1);
      });

      test('scanIndexableChunks pages one collection in label order', async () => {
        const [res] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 4 }), makeDoc('b', { chunks: 3 })]);
        await store.putDocuments({ tenant: 't1', name: 'other' }, SIGNATURE, [makeDoc('x', { chunks: 5 })]);
        const pages: number[][] = [];
        for await (const page of store.scanIndexableChunks(res!.collection.id, 3)) {
          assert.ok(page.every((c) => c.collectionId === res!.collection.id && c.embedding.length === 4));
          pages.push(page.map((c) => c.label));
        }
        assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
        const flat = pages.flat();
        assert.deepEqual(flat, [...flat].sort((x, y) => x - y));
        const adds = (await store.changesSince(0, 100)).filter((c) => c.collectionId === res!.collection.id);
        assert.deepEqual(flat, adds.map((c) => c.label));
        const empty: unknown[] = [];
        for await (const page of store.scanIndexableChunks(res!.collection.id + 1000, 3)) empty.push(page);
        assert.deepEqual(empty, []);
      });
    });

    describe('lifecycle', () => {
      test('close and open again keep everything', async () => {
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 2, metadata: { k: 'v' } })]);
        const col = await store.getCollection(KEY);
        const log = await store.changesSince(0, 100);
        await store.close();
        await rejectsWithCode(store.ping(), 'RAGD_ERR_STORE_UNAVAILABLE');
        await store.open();
        await store.ping();
        assert.deepEqual(await store.getCollection(KEY), col);
        assert.deepEqual(await store.changesSince(0, 100), log);
        assert.deepEqual((await store.getChunks(log.map((c) => c.label))).map((c) => c.metadata), [{ k: 'v' }, { k: 'v' }]);
      });
    });
  });
}
