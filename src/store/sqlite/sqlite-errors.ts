/**
 * Maps failures from SQLite (busy, disk full, I/O, corruption ...) to RAGD_ERR_STORE_UNAVAILABLE.
 * The client-facing message names only SQLite's result code; the original error, whose message may
 * contain SQL, stays on `cause` for logs.
 */
import Database from 'better-sqlite3';
import { isRagdError, RagdError } from '../../errors/ragd-error.js';

export function isSqliteError(err: unknown): err is InstanceType<typeof Database.SqliteError> {
  return err instanceof Database.SqliteError;
}

/**
 * Returns `err` unchanged when it is already a RagdError or is not from SQLite (a programming
 * error should surface as itself); otherwise wraps it.
 */
export function toStoreError(err: unknown): unknown {
  if (isRagdError(err) || !isSqliteError(err)) return err;
  return new RagdError('RAGD_ERR_STORE_UNAVAILABLE', `Document store operation failed (${err.code})`, {
    details: { sqliteCode: err.code },
    cause: err,
  });
}

/** Runs `fn`, converting SQLite failures with `toStoreError`. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStoreError(err);
  }
}
