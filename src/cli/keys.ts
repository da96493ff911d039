/**
 * `ragd keys create|list|revoke`: manage API keys in the data directory's key store (the SQLite
 * file ragd.db), directly, whether or not a server is running on it. A running server sees a new key
 * on its first use and a revocation within its key cache TTL (60 s); revoke through
 * `DELETE /api/v1/admin/keys/:id` for an immediate effect on that server.
 */
import type { ApiKeyRecord } from '../auth/key-store.js';
import { keyView } from '../auth/key-view.js';
import { SCOPES, isScope, type Scope } from '../auth/principal.js';
import { SqliteKeyStore } from '../auth/sqlite-key-store.js';
import { loadConfig } from '../config/load.js';
import { RagdError } from '../errors/ragd-error.js';
import { keyStorePath } from '../server/edge.js';
import { parseExpiry } from './duration.js';

export interface KeysCreateOptions {
  tenant: string;
  scopes: string;
  name?: string;
  expires?: string;
  rateLimit?: number;
  json?: boolean;
}

/** Where output goes; tests pass their own. */
export interface KeysIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Data directory; defaults to RAGD_DATA_DIR (validated like the server's config). */
  dataDir?: string;
}

const consoleIo: KeysIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

function parseScopes(text: string): Scope[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((s) => !isScope(s));
  if (items.length === 0 || bad.length > 0) {
    throw new RagdError(
      'RAGD_ERR_VALIDATION',
      `--scopes must be a comma-separated list of ${SCOPES.join(', ')}${bad.length ? ` (not ${bad.join(', ')})` : ''}`,
    );
  }
  return items as Scope[];
}

async function withStore<T>(io: KeysIo, fn: (store: SqliteKeyStore) => Promise<T>): Promise<T> {
  const store = new SqliteKeyStore({ path: keyStorePath(io.dataDir ?? loadConfig().dataDir) });
  await store.open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function keysCreateCommand(options: KeysCreateOptions, io: KeysIo = consoleIo): Promise<number> {
  const scopes = parseScopes(options.scopes);
  let expiresAt: number | undefined;
  if (options.expires !== undefined) {
    expiresAt = parseExpiry(options.expires);
    if (expiresAt === undefined)
      throw new RagdError('RAGD_ERR_VALIDATION', '--expires must be a span like 30d, 12h, 2w or a date like 2027-01-31');
  }
  const created = await withStore(io, (store) =>
    store.create({ name: options.name ?? 'cli', tenant: options.tenant, scopes, expiresAt, rateLimitPerMinute: options.rateLimit }),
  );
  if (options.json) io.out(JSON.stringify({ key: created.key, ...keyView(created.record) }));
  else {
    io.out(created.key);
    io.err(
      `created key ${created.record.id} for tenant ${created.record.tenant} (${created.record.scopes.join(', ')}); this is the only time it is shown.`,
    );
    io.err('A server started with no credentials keeps authentication off until it restarts (or runs with RAGD_AUTH=on).');
  }
  return 0;
}

function row(r: ApiKeyRecord, now: number): string {
  const state = r.revokedAt !== undefined ? 'revoked' : r.expiresAt !== undefined && r.expiresAt <= now ? 'expired' : 'active';
  const expires = r.expiresAt === undefined ? '-' : new Date(r.expiresAt).toISOString();
  return [r.id, state.padEnd(7), r.tenant, r.scopes.join(','), expires, r.name].join('  ');
}

export async function keysListCommand(options: { tenant?: string; json?: boolean }, io: KeysIo = consoleIo): Promise<number> {
  const list = await withStore(io, (store) => store.list(options.tenant === undefined ? {} : { tenant: options.tenant }));
  if (options.json) io.out(JSON.stringify({ keys: list.map(keyView) }));
  else {
    const now = Date.now();
    io.out(['id          ', 'state  ', 'tenant', 'scopes', 'expires', 'name'].join('  '));
    for (const r of list) io.out(row(r, now));
  }
  return 0;
}

export async function keysRevokeCommand(id: string, io: KeysIo = consoleIo): Promise<number> {
  return withStore(io, async (store) => {
    const existing = await store.findByPrefix(id);
    if (!existing) {
      io.err(`no API key with id ${id}`);
      return 1;
    }
    const revoked = await store.revoke(id);
    io.out(revoked ? `revoked ${id}` : `${id} was already revoked`);
    if (revoked) io.err('A running server stops accepting it within 60 s (its key cache TTL); DELETE /api/v1/admin/keys/:id is immediate.');
    return 0;
  });
}
