/**
 * SqliteKeyStore: API keys in their own table of a SQLite file (it may be the document store's
 * ragd.db). The table has its own migration ledger (`auth_migrations`) instead of the document
 * store's `PRAGMA user_version`, so the two schemas evolve independently in one file. Each migration
 * runs in an IMMEDIATE transaction with its ledger row, so concurrent openers cannot both apply it.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { RagdError, isRagdError } from '../errors/ragd-error.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../store/sqlite/connection.js';
import { mintApiKey, type RandomBytes } from './api-keys.js';
import { toScopes } from './principal.js';
import { validateCreateInput, type ApiKeyRecord, type CreateApiKeyInput, type CreatedApiKey, type KeyStore, type StoredApiKey } from './key-store.js';

/** Never edit a shipped migration; append one. */
export const KEY_STORE_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE api_keys (
        id                    TEXT    PRIMARY KEY,
        name                  TEXT    NOT NULL,
        tenant                TEXT    NOT NULL,
        scopes                TEXT    NOT NULL,
        salt                  BLOB    NOT NULL,
        hash                  BLOB    NOT NULL,
        expires_at            INTEGER,
        rate_limit_per_minute INTEGER,
        created_at            INTEGER NOT NULL,
        revoked_at            INTEGER
      ) STRICT;
      CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at);
    `,
  },
];

export interface SqliteKeyStoreOptions {
  /** Database file; its directory is created on open. `:memory:` for tests. */
  path: string;
  /** Clock for created/revoked timestamps, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
  /** Randomness for key ids, secrets and salts. Defaults to `crypto.randomBytes`. */
  random?: RandomBytes;
}

interface KeyRow {
  id: string;
  name: string;
  tenant: string;
  scopes: string;
  salt: Buffer;
  hash: Buffer;
  expires_at: number | null;
  rate_limit_per_minute: number | null;
  created_at: number;
  revoked_at: number | null;
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    scopes: toScopes(row.scopes.split(' ')),
    expiresAt: row.expires_at ?? undefined,
    rateLimitPerMinute: row.rate_limit_per_minute ?? undefined,
    createdAt: row.created_at,
    revokedAt: row.revoked_at ?? undefined,
  };
}

/** SQLite failures become RAGD_ERR_STORE_UNAVAILABLE (the SQLite error stays on `cause` for logs). */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isRagdError(err)) throw err;
    const code = err instanceof Database.SqliteError ? err.code : 'UNKNOWN';
    throw new RagdError('RAGD_ERR_STORE_UNAVAILABLE', `API key store operation failed (${code})`, { cause: err });
  }
}

/** Applies missing key-store migrations; idempotent. */
export function applyKeyStoreMigrations(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS auth_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT');
  const has = db.prepare<[number], { version: number }>('SELECT version FROM auth_migrations WHERE version = ?');
  const mark = db.prepare('INSERT INTO auth_migrations (version, applied_at) VALUES (?, ?)');
  for (const m of KEY_STORE_MIGRATIONS) {
    db.transaction(() => {
      if (has.get(m.version)) return; // re-read inside the write lock: another process may have applied it
      db.exec(m.sql);
      mark.run(m.version, Date.now());
    }).immediate();
  }
}

/**
 * @example
 * const keys = new SqliteKeyStore({ path: join(dataDir, 'ragd.db') });
 * await keys.open();
 * const { key } = await keys.create({ name: 'ci', tenant: 'acme', scopes: ['query'] });
 */
export class SqliteKeyStore implements KeyStore {
  readonly path: string;
  private readonly now: () => number;
  private readonly random: RandomBytes;
  private db: Database.Database | undefined;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(options: SqliteKeyStoreOptions) {
    this.path = options.path;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? crypto.randomBytes;
  }

  /** Idempotent. @throws RAGD_ERR_STORE_UNAVAILABLE when the file cannot be opened or migrated. */
  async open(): Promise<void> {
    if (this.db) return;
    let db: Database.Database | undefined;
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      db = new Database(this.path);
      db.pragma('journal_mode = WAL');
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      applyKeyStoreMigrations(db);
      this.db = db;
    } catch (err) {
      db?.close();
      throw new RagdError('RAGD_ERR_STORE_UNAVAILABLE', 'Could not open the API key store database', { cause: err });
    }
  }

  async close(): Promise<void> {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const now = this.now();
    const valid = validateCreateInput(input, now);
    return guard(() => {
      const minted = mintApiKey(this.random);
      this.stmt(
        `INSERT INTO api_keys (id, name, tenant, scopes, salt, hash, expires_at, rate_limit_per_minute, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(minted.id, valid.name, valid.tenant, valid.scopes.join(' '), minted.salt, minted.hash, valid.expiresAt ?? null, valid.rateLimitPerMinute ?? null, now);
      const record: ApiKeyRecord = {
        id: minted.id,
        name: valid.name,
        tenant: valid.tenant,
        scopes: [...valid.scopes],
        expiresAt: valid.expiresAt,
        rateLimitPerMinute: valid.rateLimitPerMinute,
        createdAt: now,
      };
      return { key: minted.plaintext, record };
    });
  }

  async list(options: { tenant?: string } = {}): Promise<ApiKeyRecord[]> {
    const columns = 'id, name, tenant, scopes, expires_at, rate_limit_per_minute, created_at, revoked_at';
    return guard(() => {
      const rows = (
        options.tenant === undefined
          ? this.stmt(`SELECT ${columns} FROM api_keys ORDER BY created_at DESC, id`).all()
          : this.stmt(`SELECT ${columns} FROM api_keys WHERE tenant = ? ORDER BY created_at DESC, id`).all(options.tenant)
      ) as KeyRow[];
      return rows.map(toRecord);
    });
  }

  async revoke(id: string): Promise<boolean> {
    return guard(() => this.stmt('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.now(), id).changes === 1);
  }

  async findByPrefix(id: string): Promise<StoredApiKey | undefined> {
    return guard(() => {
      const row = this.stmt('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
      return row ? { ...toRecord(row), salt: row.salt, hash: row.hash } : undefined;
    });
  }

  /** A prepared statement, prepared once per connection. @throws RAGD_ERR_STORE_UNAVAILABLE when not open. */
  private stmt(sql: string): Database.Statement {
    if (!this.db) throw new RagdError('RAGD_ERR_STORE_UNAVAILABLE', 'API key store is not open');
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
