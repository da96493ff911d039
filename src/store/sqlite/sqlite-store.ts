/**
 * SqliteDocumentStore: the embedded, durable DocumentStore on one SQLite file (better-sqlite3).
 * Every write is one IMMEDIATE transaction that also appends to `index_log`, so derived indexes can
 * catch up by replaying the log. better-sqlite3 is synchronous: each method runs to completion
 * before its promise settles, so writes from one process never interleave.
 */
import type { Database } from 'better-sqlite3';
import { RagdError } from '../../errors/ragd-error.js';
import type { DocumentStore, ListDocumentsOptions } from '../document-store.js';
import type {
  ChangeRecord,
  CollectionKey,
  CollectionRecord,
  DeleteDocumentResult,
  DocumentRecord,
  DocumentWithText,
  DocumentWrite,
  EmbedderSignature,
  IndexableChunk,
  Metadata,
  Page,
  PutDocumentResult,
  StoredChunk,
} from '../types.js';
import { canonicalJson, decodeCursor, encodeCursor, encodeEmbedding } from './codec.js';
import { openDatabase, type SqliteSynchronous } from './connection.js';
import {
  toChangeRecord,
  toCollectionRecord,
  toDocumentRecord,
  toIndexableChunk,
  toStoredChunk,
  type CollectionRow,
} from './rows.js';
import { guard } from './sqlite-errors.js';
import { prepareStatements, type Statements } from './statements.js';

export interface SqliteDocumentStoreOptions {
  /** Database file, e.g. `<dataDir>/ragd.db`; its directory is created on open. */
  path: string;
  /** `full` (default) fsyncs every commit and survives power loss; `normal` survives process crashes only. */
  synchronous?: SqliteSynchronous;
  /** Clock for created/updated timestamps, in ms since the epoch. Defaults to `Date.now`. */
  now?: () => number;
}

interface Connection {
  db: Database;
  s: Statements;
}

/**
 * @example
 * const store = new SqliteDocumentStore({ path: join(dataDir, 'ragd.db') });
 * await store.open();
 *
 * Methods reject with RAGD_ERR_STORE_UNAVAILABLE when SQLite fails (busy, disk full, I/O) or the
 * store is not open; the SQLite error is its `cause`.
 */
/** Chunks kept by the read cache: ~5k x ~1.5 KB, a few MB, covers the hot top results of many questions. */
const CHUNK_CACHE_ENTRIES = 5_000;

export class SqliteDocumentStore implements DocumentStore {
  readonly kind = 'sqlite';
  readonly path: string;
  private readonly synchronous: SqliteSynchronous;
  private readonly now: () => number;
  private conn: Connection | undefined;
  /**
   * Collection records by tenant/name, read on every query. One process owns the database file
   * (see cli/data-dir-lock.ts) and every write goes through `write()`, which clears this cache, so
   * it can never be stale; it saves a SQLite round trip (~6% of an exact-cache-hit request). By
   * tenant, then name: no key string is built per lookup.
   */
  private readonly collections = new Map<string, Map<string, CollectionRecord>>();
  /**
   * Recently read chunks by label (the answer path reads the same top chunks again and again).
   * Cleared with the collection cache on every write, so a deleted or replaced chunk is never served.
   */
  private readonly chunks = new Map<number, StoredChunk>();

  constructor(options: SqliteDocumentStoreOptions) {
    this.path = options.path;
    this.synchronous = options.synchronous ?? 'full';
    this.now = options.now ?? Date.now;
  }

  /** Idempotent. @throws RAGD_ERR_STORE_UNAVAILABLE (see openDatabase), e.g. for a schema newer than this code. */
  async open(): Promise<void> {
    if (this.conn) return;
    const db = openDatabase({ path: this.path, synchronous: this.synchronous });
    try {
      this.conn = { db, s: prepareStatements(db) };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Idempotent; the last connection to close checkpoints the WAL into the main file. */
  async close(): Promise<void> {
    this.collections.clear();
    this.chunks.clear();
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    guard(() => {
      try {
        // SQLite's advice for long-lived connections: refresh planner statistics where they are stale.
        conn.db.pragma('optimize');
      } finally {
        conn.db.close();
      }
    });
  }

  async ping(): Promise<void> {
    this.read((s) => s.ping.get());
  }

  async getCollection(key: CollectionKey): Promise<CollectionRecord | undefined> {
    const known = this.knownCollection(key);
    if (known !== undefined) return known;
    const found = this.read((s) => mapCollection(s.collectionByKey.get(key.tenant, key.name)));
    if (found) {
      let byName = this.collections.get(key.tenant);
      if (byName === undefined) this.collections.set(key.tenant, (byName = new Map()));
      byName.set(key.name, found);
    }
    return found;
  }

  knownCollection(key: CollectionKey): CollectionRecord | undefined {
    return this.collections.get(key.tenant)?.get(key.name);
  }

  async getCollectionById(id: number): Promise<CollectionRecord | undefined> {
    return this.read((s) => mapCollection(s.collectionById.get(id)));
  }

  /** @throws RAGD_ERR_EMBEDDER_MISMATCH with details `{ expected, actual }` signatures. */
  async ensureCollection(key: CollectionKey, signature: EmbedderSignature): Promise<CollectionRecord> {
    return toCollectionRecord(this.write(() => this.ensureCollectionRow(key, signature)));
  }

  /** All collections (of `tenant` when given), ordered by tenant then name. */
  async listCollections(tenant?: string): Promise<CollectionRecord[]> {
    return this.read((s) =>
      (tenant === undefined ? s.listCollections.all() : s.listTenantCollections.all(tenant)).map(toCollectionRecord),
    );
  }

  async deleteCollection(key: CollectionKey): Promise<boolean> {
    return this.write((s) => {
      const col = s.collectionByKey.get(key.tenant, key.name);
      if (!col) return false;
      s.logCollectionDeletes.run(col.id);
      s.deleteCollectionChunks.run(col.id);
      s.deleteCollectionTexts.run(col.id);
      s.deleteCollectionDocuments.run(col.id);
      s.deleteCollection.run(col.id);
      return true;
    });
  }

  /**
   * Creates the collection when absent, then inserts or replaces every document in one transaction:
   * a replaced document's chunks get `del` entries and new labels get `add` entries. All results
   * carry the batch's final seq and the updated collection (its version bumped once per call; an
   * empty batch only ensures the collection).
   *
   * @throws RAGD_ERR_DUPLICATE_DOCUMENT_ID when two documents share an id; RAGD_ERR_EMBEDDER_MISMATCH
   *   when the collection has another signature or an embedding's length differs from its dimensions.
   *   Nothing is written in either case.
   */
  async putDocuments(key: CollectionKey, signature: EmbedderSignature, docs: DocumentWrite[]): Promise<PutDocumentResult[]> {
    const seen = new Set<string>();
    for (const doc of docs) {
      if (seen.has(doc.id)) {
        throw new RagdError('RAGD_ERR_DUPLICATE_DOCUMENT_ID', `Document id "${doc.id}" appears more than once`, {
          details: { id: doc.id },
        });
      }
      seen.add(doc.id);
    }
    return this.write((s) => {
      const col = this.ensureCollectionRow(key, signature);
      if (docs.length === 0) return [];
      const now = this.now();
      const replaced: boolean[] = [];
      let documentDelta = 0;
      let chunkDelta = 0;
      for (const doc of docs) {
        for (const chunk of doc.chunks) {
          if (chunk.embedding.length !== col.dimensions) {
            throw new RagdError(
              'RAGD_ERR_EMBEDDER_MISMATCH',
              `Chunk "${chunk.id}" of document "${doc.id}" has ${chunk.embedding.length} dimensions; the collection has ${col.dimensions}`,
              { details: { expected: { dimensions: col.dimensions }, actual: { dimensions: chunk.embedding.length }, document: doc.id } },
            );
          }
        }
        const exists = s.documentExists.get(col.id, doc.id) !== undefined;
        if (exists) {
          s.logDocumentChunks.run({ op: 'del', collectionId: col.id, documentId: doc.id });
          chunkDelta -= s.deleteDocumentChunks.run(col.id, doc.id).changes;
        } else {
          documentDelta += 1;
        }
        replaced.push(exists);
        s.upsertDocument.run({
          collectionId: col.id,
          id: doc.id,
          title: doc.title,
          format: doc.format,
          metadata: canonicalJson(doc.metadata),
          contentHash: doc.contentHash,
          chunkCount: doc.chunks.length,
          textLength: doc.text.length,
          now,
        });
        s.upsertDocumentText.run(col.id, doc.id, doc.text);
        for (const chunk of doc.chunks) {
          s.insertChunk.run({
            id: chunk.id,
            collectionId: col.id,
            documentId: doc.id,
            ordinal: chunk.ordinal,
            text: chunk.text,
            headings: JSON.stringify(chunk.headings),
            start: chunk.start,
            end: chunk.end,
            embedding: encodeEmbedding(chunk.embedding),
          });
        }
        s.logDocumentChunks.run({ op: 'add', collectionId: col.id, documentId: doc.id });
        chunkDelta += doc.chunks.length;
      }
      const collection = toCollectionRecord(bump(s, col.id, documentDelta, chunkDelta, now));
      const seq = s.maxSeq.get() ?? 0;
      return replaced.map((r) => ({ replaced: r, seq, collection }));
    });
  }

  /** Logs a `del` per chunk and bumps the collection version; undefined for an unknown collection or document. */
  async deleteDocument(key: CollectionKey, id: string): Promise<DeleteDocumentResult | undefined> {
    return this.write((s) => {
      const col = s.collectionByKey.get(key.tenant, key.name);
      if (!col || s.documentExists.get(col.id, id) === undefined) return undefined;
      s.logDocumentChunks.run({ op: 'del', collectionId: col.id, documentId: id });
      const removed = s.deleteDocumentChunks.run(col.id, id).changes;
      s.deleteDocumentText.run(col.id, id);
      s.deleteDocument.run(col.id, id);
      const collection = toCollectionRecord(bump(s, col.id, -1, -removed, this.now()));
      return { seq: s.maxSeq.get() ?? 0, collection };
    });
  }

  async getDocument(key: CollectionKey, id: string): Promise<DocumentWithText | undefined> {
    return this.read((s) => {
      const col = s.collectionByKey.get(key.tenant, key.name);
      const row = col && s.getDocument.get(col.id, id);
      return row && { ...toDocumentRecord(row), text: row.text };
    });
  }

  /**
   * Documents in id order (UTF-8 byte order). An unknown collection yields an empty page.
   * @throws RAGD_ERR_VALIDATION `{ field: 'cursor' }` for a malformed cursor, `{ field: 'limit' }` unless limit is a positive integer.
   */
  async listDocuments(key: CollectionKey, options: ListDocumentsOptions): Promise<Page<DocumentRecord>> {
    const { limit } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RagdError('RAGD_ERR_VALIDATION', 'limit must be a positive integer', { details: { field: 'limit' } });
    }
    const afterId = options.cursor === undefined ? '' : decodeCursor(options.cursor);
    return this.read((s) => {
      const col = s.collectionByKey.get(key.tenant, key.name);
      if (!col) return { items: [] };
      const rows = s.listDocuments.all(col.id, afterId, limit + 1);
      const items = rows.slice(0, limit).map(toDocumentRecord);
      const last = items.at(-1);
      return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
    });
  }

  async getContentHashes(key: CollectionKey, ids: string[]): Promise<Map<string, string>> {
    return this.read((s) => {
      const col = s.collectionByKey.get(key.tenant, key.name);
      if (!col || ids.length === 0) return new Map<string, string>();
      return new Map(s.contentHashes.all(col.id, JSON.stringify(ids)).map((r) => [r.id, r.content_hash]));
    });
  }

  /** One statement for the whole batch; results follow `labels` (a repeated label is returned again). */
  async getChunks(labels: number[]): Promise<StoredChunk[]> {
    if (labels.length === 0) return [];
    const missing = labels.filter((l) => !this.chunks.has(l));
    if (missing.length > 0) {
      for (const c of this.read((s) => s.chunksByLabels.all(JSON.stringify(missing)).map(toStoredChunk))) {
        this.chunks.set(c.label, c);
        if (this.chunks.size > CHUNK_CACHE_ENTRIES) this.chunks.delete(this.chunks.keys().next().value!);
      }
    }
    const out: StoredChunk[] = [];
    for (const l of labels) {
      const c = this.chunks.get(l);
      if (c) out.push(c);
    }
    return out;
  }

  /** An empty filter matches every chunk of the collection. */
  async labelsMatching(collectionId: number, filter: Metadata): Promise<Set<number>> {
    return this.read((s) => new Set(s.labelsMatching.all({ collectionId, filter: JSON.stringify(filter) })));
  }

  /** @throws RAGD_ERR_VALIDATION `{ field: 'limit' }` unless limit is a positive integer. */
  async changesSince(afterSeq: number, limit: number): Promise<ChangeRecord[]> {
    assertPositiveInteger(limit, 'limit');
    return this.read((s) => s.changesSince.all(afterSeq, limit).map(toChangeRecord));
  }

  async maxSeq(): Promise<number> {
    return this.read((s) => s.maxSeq.get() ?? 0);
  }

  /** One past the highest compacted seq: 1 until the log is first compacted. */
  async minRetainedSeq(): Promise<number> {
    return this.read((s) => (s.compactedUpto.get() ?? 0) + 1);
  }

  /** Clamped to `maxSeq()`, so entries written later are never pre-compacted; lower values than before are a no-op. */
  async compactLog(uptoSeq: number): Promise<void> {
    this.write((s) => {
      const upto = Math.min(uptoSeq, s.maxSeq.get() ?? 0);
      if (upto <= (s.compactedUpto.get() ?? 0)) return;
      s.deleteLogUpto.run(upto);
      s.setCompactedUpto.run(upto);
    });
  }

  /** In the order of `labels`; unknown labels are skipped. */
  async getIndexableChunks(labels: number[]): Promise<IndexableChunk[]> {
    if (labels.length === 0) return [];
    return this.read((s) => inOrder(labels, s.indexableByLabels.all(JSON.stringify(labels)).map(toIndexableChunk)));
  }

  /**
   * Pages of at most `pageSize` chunks in label order; each page is its own short read, so memory is
   * bounded and writers are not blocked. Chunks written during the scan may or may not appear: a
   * rebuild should note `maxSeq()` first and replay the log after it (index adds are idempotent).
   *
   * @throws RAGD_ERR_VALIDATION `{ field: 'pageSize' }` unless pageSize is a positive integer.
   */
  async *scanIndexableChunks(collectionId: number, pageSize: number): AsyncIterable<IndexableChunk[]> {
    assertPositiveInteger(pageSize, 'pageSize');
    let after = 0;
    for (;;) {
      const page = this.read((s) => s.indexablePage.all(collectionId, after, pageSize).map(toIndexableChunk));
      const last = page.at(-1);
      if (!last) return;
      yield page;
      if (page.length < pageSize) return;
      after = last.label;
    }
  }

  /** Inside the caller's transaction: the existing row, or a new one with `signature`. */
  private ensureCollectionRow(key: CollectionKey, signature: EmbedderSignature): CollectionRow {
    const s = this.connection().s;
    assertPositiveInteger(signature.dimensions, 'dimensions');
    const existing = s.collectionByKey.get(key.tenant, key.name);
    if (existing) {
      const expected = { embedder: existing.embedder, model: existing.model, dimensions: existing.dimensions };
      const actual = { embedder: signature.embedder, model: signature.model, dimensions: signature.dimensions };
      if (expected.embedder !== actual.embedder || expected.model !== actual.model || expected.dimensions !== actual.dimensions) {
        throw new RagdError(
          'RAGD_ERR_EMBEDDER_MISMATCH',
          `Collection "${key.name}" was built with ${signatureText(expected)}, not ${signatureText(actual)}`,
          { details: { expected, actual } },
        );
      }
      return existing;
    }
    const now = this.now();
    const created = s.insertCollection.get(key.tenant, key.name, signature.embedder, signature.model, signature.dimensions, now, now);
    if (!created) throw new RagdError('RAGD_ERR_INTERNAL', 'Collection insert returned no row');
    return created;
  }

  private connection(): Connection {
    if (!this.conn) throw new RagdError('RAGD_ERR_STORE_UNAVAILABLE', 'Document store is not open');
    return this.conn;
  }

  private read<T>(fn: (s: Statements) => T): T {
    const { s } = this.connection();
    return guard(() => fn(s));
  }

  /** IMMEDIATE takes the write lock up front, so a transaction never fails midway on lock upgrade. */
  private write<T>(fn: (s: Statements) => T): T {
    const { db, s } = this.connection();
    this.collections.clear();
    this.chunks.clear();
    try {
      return guard(() => db.transaction(() => fn(s)).immediate());
    } finally {
      this.collections.clear();
      this.chunks.clear();
    }
  }
}

function mapCollection(row: CollectionRow | undefined): CollectionRecord | undefined {
  return row && toCollectionRecord(row);
}

function bump(s: Statements, id: number, documentDelta: number, chunkDelta: number, now: number): CollectionRow {
  const row = s.bumpCollection.get(documentDelta, chunkDelta, now, id);
  if (!row) throw new RagdError('RAGD_ERR_INTERNAL', 'Collection vanished inside its own transaction');
  return row;
}

function inOrder<T extends { label: number }>(labels: readonly number[], items: readonly T[]): T[] {
  const byLabel = new Map(items.map((item) => [item.label, item]));
  const out: T[] = [];
  for (const label of labels) {
    const item = byLabel.get(label);
    if (item) out.push(item);
  }
  return out;
}

function assertPositiveInteger(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RagdError('RAGD_ERR_VALIDATION', `${field} must be a positive integer`, { details: { field } });
  }
}

function signatureText(sig: EmbedderSignature): string {
  return `${sig.embedder}/${sig.model} (${sig.dimensions} dimensions)`;
}
