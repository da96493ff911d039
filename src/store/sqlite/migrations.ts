/**
 * Versioned schema migrations for the SQLite document store. The schema version lives in
 * `PRAGMA user_version`; each migration runs in its own IMMEDIATE transaction together with the
 * version bump, so a crash leaves the database at the previous version, never half-migrated, and two
 * processes opening the same file cannot both apply a migration.
 */
import type { Database } from 'better-sqlite3';
import { RagdError } from '../../errors/ragd-error.js';

export interface Migration {
  /** The schema version after this migration: 1, 2, 3 ... without gaps. */
  version: number;
  description: string;
  sql: string;
}

/**
 * Never edit a migration that has shipped; append a new one.
 *
 * - `collections.id` and `chunks.label` are AUTOINCREMENT so ids are never reused after deletes:
 *   derived indexes (vector, lexical) and their files are keyed on them.
 * - `index_log` has no foreign key: `del` entries must outlive the collection they describe.
 * - `store_meta.log_compacted_upto` remembers how far the log was compacted (see minRetainedSeq).
 * - v2 moves a document's clean text to `document_texts`, apart from its small `documents` row, so
 *   scans of `documents` (listing, metadata filters) read a few hundred bytes per document instead of
 *   pages of text; and it re-keys `chunks_by_document` as (collection_id, document_id), which ends
 *   in the rowid, so a document's chunks come in label order. With v1's (…, ordinal) index the
 *   planner preferred `chunks_by_collection` for "a document's labels in order" and scanned the whole
 *   collection per document, which made batch ingest quadratic.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'collections, documents, chunks, index_log, store_meta',
    sql: `
      CREATE TABLE collections (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant         TEXT    NOT NULL,
        name           TEXT    NOT NULL,
        embedder       TEXT    NOT NULL,
        model          TEXT    NOT NULL,
        dimensions     INTEGER NOT NULL,
        version        INTEGER NOT NULL DEFAULT 0,
        document_count INTEGER NOT NULL DEFAULT 0,
        chunk_count    INTEGER NOT NULL DEFAULT 0,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        UNIQUE (tenant, name)
      ) STRICT;

      CREATE TABLE documents (
        collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
        id            TEXT    NOT NULL,
        title         TEXT    NOT NULL,
        format        TEXT    NOT NULL,
        metadata      TEXT    NOT NULL,
        content_hash  TEXT    NOT NULL,
        text          TEXT    NOT NULL,
        chunk_count   INTEGER NOT NULL,
        text_length   INTEGER NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        PRIMARY KEY (collection_id, id)
      ) STRICT;

      CREATE TABLE chunks (
        label         INTEGER PRIMARY KEY AUTOINCREMENT,
        id            TEXT    NOT NULL,
        collection_id INTEGER NOT NULL,
        document_id   TEXT    NOT NULL,
        ordinal       INTEGER NOT NULL,
        text          TEXT    NOT NULL,
        headings      TEXT    NOT NULL,
        start_offset  INTEGER NOT NULL,
        end_offset    INTEGER NOT NULL,
        embedding     BLOB    NOT NULL,
        FOREIGN KEY (collection_id, document_id) REFERENCES documents (collection_id, id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX chunks_by_document ON chunks (collection_id, document_id, ordinal);
      -- Implicitly (collection_id, label): serves per-collection scans in label order.
      CREATE INDEX chunks_by_collection ON chunks (collection_id);

      CREATE TABLE index_log (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        collection_id INTEGER NOT NULL,
        op            TEXT    NOT NULL CHECK (op IN ('add', 'del')),
        label         INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE store_meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;
      INSERT INTO store_meta (key, value) VALUES ('log_compacted_upto', 0);
    `,
  },
  {
    version: 2,
    description: 'document_texts split from documents; chunks_by_document in label order',
    sql: `
      CREATE TABLE document_texts (
        collection_id INTEGER NOT NULL,
        document_id   TEXT    NOT NULL,
        text          TEXT    NOT NULL,
        PRIMARY KEY (collection_id, document_id),
        FOREIGN KEY (collection_id, document_id) REFERENCES documents (collection_id, id) ON DELETE CASCADE
      ) STRICT;
      INSERT INTO document_texts (collection_id, document_id, text) SELECT collection_id, id, text FROM documents;
      ALTER TABLE documents DROP COLUMN text;

      DROP INDEX chunks_by_document;
      CREATE INDEX chunks_by_document ON chunks (collection_id, document_id);
    `,
  },
];

/** The schema version this code writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to the newest version in `migrations`, applying each missing one in its
 * own transaction. Idempotent: a database already at the newest version is left untouched.
 *
 * @returns the versions that were applied (empty when none were pending).
 * @throws RAGD_ERR_STORE_UNAVAILABLE when the database's version is newer than `migrations` know
 *   (it was written by a newer ragd); nothing is changed in that case.
 */
export function applyMigrations(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`schema migrations must be numbered 1..n without gaps; found ${m.version} at position ${i + 1}`);
  });
  const latest = sorted.length;
  const found = schemaVersion(db);
  if (found > latest) {
    throw new RagdError(
      'RAGD_ERR_STORE_UNAVAILABLE',
      `Database schema version ${found} is newer than this ragd supports (${latest}); upgrade ragd or point it at another data directory`,
      { details: { schemaVersion: found, supportedVersion: latest } },
    );
  }
  const applied: number[] = [];
  for (const m of sorted) {
    if (m.version <= found) continue;
    const apply = db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated since we looked.
      if (schemaVersion(db) >= m.version) return false;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    if (apply.immediate()) applied.push(m.version);
  }
  return applied;
}
