/**
 * Opens the SQLite file behind the document store: creates its directory, sets the pragmas the
 * store relies on, registers its SQL functions and applies schema migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RagdError } from '../../errors/ragd-error.js';
import type { JsonValue } from '../types.js';
import { canonicalJson } from './codec.js';
import { applyMigrations, MIGRATIONS, type Migration } from './migrations.js';
import { CANONICAL_JSON_FN } from './statements.js';
import { toStoreError } from './sqlite-errors.js';

/**
 * How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
 * 5 s: far longer than any single ragd write transaction, short enough to fail a request in time.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Page size for new databases. A chunk row (384 float32 = 1.5 KB plus ~1 KB of text) is just over half
 * of SQLite's default 4 KB page, so 4 KB pages hold one row each and waste ~40%; 8 KB pages hold three.
 */
export const SQLITE_PAGE_SIZE_BYTES = 8_192;

export type SqliteSynchronous = 'full' | 'normal';

export interface OpenDatabaseOptions {
  path: string;
  synchronous: SqliteSynchronous;
  /** For tests of the migration machinery; defaults to the store's own migrations. */
  migrations?: readonly Migration[];
}

/**
 * @throws RAGD_ERR_STORE_UNAVAILABLE when the directory or file cannot be opened, WAL cannot be
 *   enabled, or the schema is newer than this code (the connection is closed again in every case).
 */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const inMemory = options.path === ':memory:';
  let db: Database.Database | undefined;
  try {
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
    db = new Database(options.path);
    // Only takes effect while the file is still empty; fixed once WAL is on.
    db.pragma(`page_size = ${SQLITE_PAGE_SIZE_BYTES}`);
    // WAL: readers never block the writer, and a commit is one sequential append (+ fsync when FULL).
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (!inMemory && mode !== 'wal') {
      throw new RagdError('RAGD_ERR_STORE_UNAVAILABLE', `Could not enable WAL journal mode (got ${String(mode)})`);
    }
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    db.function(CANONICAL_JSON_FN, { deterministic: true }, (text: unknown) =>
      typeof text === 'string' ? canonicalJson(JSON.parse(text) as JsonValue) : text,
    );
    applyMigrations(db, options.migrations ?? MIGRATIONS);
    return db;
  } catch (err) {
    db?.close();
    const mapped = toStoreError(err);
    if (mapped instanceof RagdError) throw mapped;
    // Not from SQLite: typically the file system (EACCES, ENOTDIR) while creating the directory.
    throw new RagdError('RAGD_ERR_STORE_UNAVAILABLE', 'Could not open the document store database', { cause: err });
  }
}
