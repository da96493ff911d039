/**
 * Every SQL statement of the SQLite document store, prepared once per connection and reused:
 * preparing is the expensive part of a small query.
 */
import type { Database } from 'better-sqlite3';
import type { ChangeRow, CollectionRow, DocumentRow, DocumentWithTextRow, IndexableChunkRow, StoredChunkRow } from './rows.js';

/** Name of the SQL function that canonicalises JSON text (registered in connection.ts). */
export const CANONICAL_JSON_FN = 'ragd_canonical_json';

export interface DocumentParams {
  collectionId: number;
  id: string;
  title: string;
  format: string;
  metadata: string;
  contentHash: string;
  chunkCount: number;
  textLength: number;
  now: number;
}

export interface ChunkParams {
  id: string;
  collectionId: number;
  documentId: string;
  ordinal: number;
  text: string;
  headings: string;
  start: number;
  end: number;
  embedding: Buffer;
}

const DOCUMENT_COLUMNS = `d.id, c.name AS collection, d.title, d.format, d.metadata, d.content_hash,
  d.chunk_count, d.text_length, d.created_at, d.updated_at`;
const INDEXABLE_COLUMNS = 'k.label, k.collection_id, d.title, k.headings, k.text, k.embedding';
const JOIN_DOCUMENT = 'JOIN documents d ON d.collection_id = k.collection_id AND d.id = k.document_id';

export function prepareStatements(db: Database) {
  const prep = <P extends unknown[] | object, R = unknown>(sql: string) => db.prepare<P, R>(sql);
  return {
    ping: prep<[], number>('SELECT 1').pluck(),

    collectionByKey: prep<[string, string], CollectionRow>('SELECT * FROM collections WHERE tenant = ? AND name = ?'),
    collectionById: prep<[number], CollectionRow>('SELECT * FROM collections WHERE id = ?'),
    listCollections: prep<[], CollectionRow>('SELECT * FROM collections ORDER BY tenant, name'),
    listTenantCollections: prep<[string], CollectionRow>('SELECT * FROM collections WHERE tenant = ? ORDER BY name'),
    insertCollection: prep<[string, string, string, string, number, number, number], CollectionRow>(
      `INSERT INTO collections (tenant, name, embedder, model, dimensions, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ),
    /** (documentDelta, chunkDelta, now, id): applies count changes and bumps the version once. */
    bumpCollection: prep<[number, number, number, number], CollectionRow>(
      `UPDATE collections SET version = version + 1, document_count = document_count + ?,
         chunk_count = chunk_count + ?, updated_at = ? WHERE id = ? RETURNING *`,
    ),
    deleteCollection: prep<[number]>('DELETE FROM collections WHERE id = ?'),

    documentExists: prep<[number, string], number>('SELECT 1 FROM documents WHERE collection_id = ? AND id = ?').pluck(),
    /** Replacing keeps `created_at`: the document was created when it first arrived. */
    upsertDocument: prep<DocumentParams>(
      `INSERT INTO documents (collection_id, id, title, format, metadata, content_hash, chunk_count, text_length, created_at, updated_at)
       VALUES (@collectionId, @id, @title, @format, @metadata, @contentHash, @chunkCount, @textLength, @now, @now)
       ON CONFLICT (collection_id, id) DO UPDATE SET title = excluded.title, format = excluded.format,
         metadata = excluded.metadata, content_hash = excluded.content_hash,
         chunk_count = excluded.chunk_count, text_length = excluded.text_length, updated_at = excluded.updated_at`,
    ),
    /** (collectionId, documentId, text) */
    upsertDocumentText: prep<[number, string, string]>(
      `INSERT INTO document_texts (collection_id, document_id, text) VALUES (?, ?, ?)
       ON CONFLICT (collection_id, document_id) DO UPDATE SET text = excluded.text`,
    ),
    deleteDocumentText: prep<[number, string]>('DELETE FROM document_texts WHERE collection_id = ? AND document_id = ?'),
    deleteCollectionTexts: prep<[number]>('DELETE FROM document_texts WHERE collection_id = ?'),
    deleteDocument: prep<[number, string]>('DELETE FROM documents WHERE collection_id = ? AND id = ?'),
    deleteCollectionDocuments: prep<[number]>('DELETE FROM documents WHERE collection_id = ?'),
    getDocument: prep<[number, string], DocumentWithTextRow>(
      `SELECT ${DOCUMENT_COLUMNS}, t.text FROM documents d JOIN collections c ON c.id = d.collection_id
       JOIN document_texts t ON t.collection_id = d.collection_id AND t.document_id = d.id
       WHERE d.collection_id = ? AND d.id = ?`,
    ),
    /** (collectionId, afterId, limit): ids sort by SQLite's BINARY collation, i.e. UTF-8 byte order. */
    listDocuments: prep<[number, string, number], DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM documents d JOIN collections c ON c.id = d.collection_id
       WHERE d.collection_id = ? AND d.id > ? ORDER BY d.id LIMIT ?`,
    ),
    contentHashes: prep<[number, string], { id: string; content_hash: string }>(
      `SELECT id, content_hash FROM documents
       WHERE collection_id = ? AND id IN (SELECT value FROM json_each(?))`,
    ),

    insertChunk: prep<ChunkParams>(
      `INSERT INTO chunks (id, collection_id, document_id, ordinal, text, headings, start_offset, end_offset, embedding)
       VALUES (@id, @collectionId, @documentId, @ordinal, @text, @headings, @start, @end, @embedding)`,
    ),
    /** One log entry per chunk of the document, in label order. */
    logDocumentChunks: prep<{ op: 'add' | 'del'; collectionId: number; documentId: string }>(
      `INSERT INTO index_log (collection_id, op, label)
       SELECT collection_id, @op, label FROM chunks WHERE collection_id = @collectionId AND document_id = @documentId ORDER BY label`,
    ),
    deleteDocumentChunks: prep<[number, string]>('DELETE FROM chunks WHERE collection_id = ? AND document_id = ?'),
    logCollectionDeletes: prep<[number]>(
      `INSERT INTO index_log (collection_id, op, label)
       SELECT collection_id, 'del', label FROM chunks WHERE collection_id = ? ORDER BY label`,
    ),
    deleteCollectionChunks: prep<[number]>('DELETE FROM chunks WHERE collection_id = ?'),

    /** (labelsJson): unordered; the caller restores the requested order. */
    chunksByLabels: prep<[string], StoredChunkRow>(
      `SELECT k.label, k.id, k.collection_id, k.document_id, k.ordinal, k.text, k.headings, d.title, d.metadata
       FROM chunks k ${JOIN_DOCUMENT} WHERE k.label IN (SELECT value FROM json_each(?))`,
    ),
    indexableByLabels: prep<[string], IndexableChunkRow>(
      `SELECT ${INDEXABLE_COLUMNS} FROM chunks k ${JOIN_DOCUMENT} WHERE k.label IN (SELECT value FROM json_each(?))`,
    ),
    /** (collectionId, afterLabel, limit) */
    indexablePage: prep<[number, number, number], IndexableChunkRow>(
      `SELECT ${INDEXABLE_COLUMNS} FROM chunks k ${JOIN_DOCUMENT}
       WHERE k.collection_id = ? AND k.label > ? ORDER BY k.label LIMIT ?`,
    ),
    /**
     * Labels of chunks whose document has every filter key with an equal
     * value. Keys are compared as values from json_each, never spliced into a JSON path, so any
     * key text is safe. Integers and reals compare numerically; arrays and objects by canonical JSON.
     */
    labelsMatching: prep<{ collectionId: number; filter: string }, number>(
      `SELECT k.label FROM chunks k
       WHERE k.collection_id = @collectionId AND k.document_id IN (
         SELECT d.id FROM documents d
         WHERE d.collection_id = @collectionId AND NOT EXISTS (
           SELECT 1 FROM json_each(@filter) AS f
           WHERE NOT EXISTS (
             SELECT 1 FROM json_each(d.metadata) AS m
             WHERE m.key = f.key
               AND (m.type = f.type OR (m.type IN ('integer', 'real') AND f.type IN ('integer', 'real')))
               AND CASE
                 WHEN f.type IN ('array', 'object') THEN ${CANONICAL_JSON_FN}(m.value) = ${CANONICAL_JSON_FN}(f.value)
                 WHEN f.type IN ('true', 'false', 'null') THEN 1
                 ELSE m.value = f.value
               END)))`,
    ).pluck(),

    /** AUTOINCREMENT's high-water mark: survives compaction, rolls back with a failed transaction. */
    maxSeq: prep<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'index_log'").pluck(),
    changesSince: prep<[number, number], ChangeRow>(
      'SELECT seq, collection_id, op, label FROM index_log WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    compactedUpto: prep<[], number>("SELECT value FROM store_meta WHERE key = 'log_compacted_upto'").pluck(),
    setCompactedUpto: prep<[number]>("UPDATE store_meta SET value = ? WHERE key = 'log_compacted_upto'"),
    deleteLogUpto: prep<[number]>('DELETE FROM index_log WHERE seq <= ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
