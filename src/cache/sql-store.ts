/**
 * SqlStore: the persistent local tier (L3), its own SQLite file through better-sqlite3 in WAL mode.
 * Bounded by entry count and by maximum age: a sweep (every `sweepIntervalMs`, and at once whenever
 * a write takes the table past `maxEntries`) deletes expired and over-age rows, then the oldest
 * rows down to 90% of `maxEntries`, so the table never holds more than `maxEntries`.
 *
 * Purge by tag: an exact tag index table whose rows cascade away with their entry, so a purge is
 * one indexed DELETE. synchronous=NORMAL: a cache may lose its last writes on power loss, and WAL
 * keeps the file consistent regardless.
 *
 * Misses skip SQLite: the store keeps the set of keys its table holds (loaded when it opens, then
 * kept in step by every write, delete, purge and sweep, the deletes through `RETURNING key`), and a
 * `get` for a key not in it answers at once. That is exact because this process alone writes the
 * file: the data directory is locked to one ragd (cli/data-dir-lock.ts) and the cache file is
 * ragd's own. It matters because every question not answered from memory probes L3 first — each
 * semantic hit and each miss — and the probe was ~3% of a semantic hit's CPU. The set costs the keys'
 * strings: at the default bound of 100,000 entries, about 14 MB of heap (measured).
 */
import Database from 'better-sqlite3';
import { isRetained, type CacheEntry, type CacheStore, type Clock, type EvictionListener } from './cache-store.js';
import { DEFAULT_L3_MAX_AGE_MS, DEFAULT_L3_MAX_ENTRIES, DEFAULT_L3_SWEEP_INTERVAL_MS } from './defaults.js';

export interface SqlStoreOptions {
  /** SQLite file path (created if absent), or `:memory:`. */
  path: string;
  /** Maximum rows. Defaults to DEFAULT_L3_MAX_ENTRIES (100,000). */
  maxEntries?: number;
  /** Rows stored longer ago than this are swept, ms. Defaults to DEFAULT_L3_MAX_AGE_MS (24 h). */
  maxAgeMs?: number;
  /** Sweep period, ms; 0 disables the timer (call `sweep()` yourself). Defaults to DEFAULT_L3_SWEEP_INTERVAL_MS (60 s). */
  sweepIntervalMs?: number;
  /** Epoch ms. Defaults to Date.now. */
  now?: Clock;
}

interface Row {
  value: string;
  stored_at: number;
  expires_at: number;
  keep_until: number;
  delta: number;
  tags: string;
}

interface KeyRow {
  key: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cache_entries (
  key TEXT PRIMARY KEY, value TEXT NOT NULL, stored_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  keep_until INTEGER NOT NULL, delta REAL NOT NULL, tags TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_entries_stored_at ON cache_entries (stored_at);
CREATE INDEX IF NOT EXISTS cache_entries_keep_until ON cache_entries (keep_until);
CREATE TABLE IF NOT EXISTS cache_tags (
  tag TEXT NOT NULL, key TEXT NOT NULL REFERENCES cache_entries (key) ON DELETE CASCADE, PRIMARY KEY (tag, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cache_tags_key ON cache_tags (key);`;

export class SqlStore implements CacheStore {
  private readonly db: Database.Database;
  private readonly now: Clock;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly listeners: EvictionListener[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly stmt;
  private readonly writeTx: (key: string, entry: CacheEntry) => void;
  /** Every key the table holds (see the header), so also its row count: a key not here is a miss without a query. */
  private readonly keys: Set<string>;

  constructor(options: SqlStoreOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_L3_MAX_ENTRIES);
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_L3_MAX_AGE_MS;
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.stmt = {
      get: this.db.prepare<[string], Row>('SELECT value, stored_at, expires_at, keep_until, delta, tags FROM cache_entries WHERE key = ?'),
      upsert: this.db.prepare(
        `INSERT INTO cache_entries (key, value, stored_at, expires_at, keep_until, delta, tags) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, stored_at = excluded.stored_at, expires_at = excluded.expires_at,
           keep_until = excluded.keep_until, delta = excluded.delta, tags = excluded.tags`,
      ),
      clearTags: this.db.prepare('DELETE FROM cache_tags WHERE key = ?'),
      addTag: this.db.prepare('INSERT OR IGNORE INTO cache_tags (tag, key) VALUES (?, ?)'),
      delete: this.db.prepare('DELETE FROM cache_entries WHERE key = ?'),
      purgeTag: this.db.prepare<[string], KeyRow>('DELETE FROM cache_entries WHERE key IN (SELECT key FROM cache_tags WHERE tag = ?) RETURNING key'),
      keys: this.db.prepare<[], KeyRow>('SELECT key FROM cache_entries'),
      deleteExpired: this.db.prepare<[number, number], KeyRow>('DELETE FROM cache_entries WHERE keep_until <= ? OR stored_at <= ? RETURNING key'),
      deleteOldest: this.db.prepare<[number], KeyRow>(
        'DELETE FROM cache_entries WHERE key IN (SELECT key FROM cache_entries ORDER BY stored_at ASC LIMIT ?) RETURNING key',
      ),
    };
    this.writeTx = this.db.transaction((key: string, entry: CacheEntry) => {
      const tags = [...new Set(entry.tags)];
      this.stmt.upsert.run(key, JSON.stringify(entry.value), entry.storedAt, entry.expiresAt, entry.keepUntil, entry.delta, JSON.stringify(tags));
      this.stmt.clearTags.run(key);
      for (const tag of tags) this.stmt.addTag.run(tag, key);
    });
    this.keys = new Set(this.stmt.keys.all().map((row) => row.key));
    const interval = options.sweepIntervalMs ?? DEFAULT_L3_SWEEP_INTERVAL_MS;
    if (interval > 0) {
      this.timer = setInterval(() => this.sweep(), interval);
      this.timer.unref();
    }
  }

  /** True when the table holds no row for `key` (its key set says so, without a query). */
  knownAbsent(key: string): boolean {
    return !this.keys.has(key);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    if (!this.keys.has(key)) return undefined;
    const row = this.stmt.get.get(key);
    if (row === undefined) return undefined;
    const entry: CacheEntry = {
      value: JSON.parse(row.value) as unknown,
      storedAt: row.stored_at,
      expiresAt: row.expires_at,
      keepUntil: row.keep_until,
      delta: row.delta,
      tags: JSON.parse(row.tags) as string[],
    };
    return isRetained(entry, this.now()) ? entry : undefined;
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    if (!isRetained(entry, this.now())) return;
    this.writeTx(key, entry);
    this.keys.add(key);
    if (this.keys.size > this.maxEntries) this.sweep();
  }

  async delete(key: string): Promise<boolean> {
    const deleted = this.stmt.delete.run(key).changes > 0;
    this.keys.delete(key);
    return deleted;
  }

  async purgeTag(tag: string): Promise<number> {
    return this.forget(this.stmt.purgeTag.all(tag));
  }

  async size(): Promise<number> {
    return this.keys.size;
  }

  onEvict(listener: EvictionListener): void {
    this.listeners.push(listener);
  }

  /**
   * Deletes expired and over-age rows, then the oldest rows down to 90% of maxEntries if the table
   * is over it. Runs on the timer and on writes; public so tests and shutdown hooks can force it.
   */
  sweep(): void {
    const now = this.now();
    const expired = this.forget(this.stmt.deleteExpired.all(now, now - this.maxAgeMs));
    let evicted = 0;
    if (this.keys.size > this.maxEntries) {
      const target = Math.floor(this.maxEntries * 0.9);
      evicted = this.forget(this.stmt.deleteOldest.all(this.keys.size - target));
    }
    if (expired > 0) this.emit(expired, 'expired');
    if (evicted > 0) this.emit(evicted, 'capacity');
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.db.open) this.db.close();
  }

  /** Drops deleted rows' keys from `keys`; returns how many there were. */
  private forget(deleted: readonly KeyRow[]): number {
    for (const row of deleted) this.keys.delete(row.key);
    return deleted.length;
  }

  private emit(count: number, reason: 'capacity' | 'expired'): void {
    for (const listener of this.listeners) listener(count, reason);
  }
}
