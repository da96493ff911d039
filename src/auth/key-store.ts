/**
 * The contract of an API key store. A store keeps each key's metadata and the salted hash of its
 * secret (see api-keys.ts), never the plaintext, which `create` returns exactly once.
 * `findByPrefix` is the hot-path lookup by the non-secret key id; it returns the hash for the caller
 * to verify in constant time. Caching, and what happens during a store outage, are deliberately not
 * part of this contract: ApiKeyVerifier layers them on top of any store.
 */
import { RagdError } from '../errors/ragd-error.js';
import { SCOPES, isScope, type Scope } from './principal.js';
import { assertTenant } from './tenant.js';

/** What may be shown about a key: no secret, no hash. Times are epoch ms. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  tenant: string;
  scopes: Scope[];
  expiresAt?: number | undefined;
  /** Requests per minute for this key; overrides the route-class default when set. */
  rateLimitPerMinute?: number | undefined;
  createdAt: number;
  revokedAt?: number | undefined;
}

/** A record with its salt and hash, for verification only. */
export interface StoredApiKey extends ApiKeyRecord {
  salt: Buffer;
  hash: Buffer;
}

export interface CreateApiKeyInput {
  name: string;
  tenant: string;
  scopes: readonly Scope[];
  expiresAt?: number | undefined;
  rateLimitPerMinute?: number | undefined;
}

export interface CreatedApiKey {
  /** The plaintext key. Returned only here; it cannot be recovered later. */
  key: string;
  record: ApiKeyRecord;
}

export interface KeyStore {
  /** @throws RAGD_ERR_VALIDATION for bad input; RAGD_ERR_STORE_UNAVAILABLE when the store fails. */
  create(input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /** All keys (of `tenant` when given), newest first, revoked ones included. Never secrets. */
  list(options?: { tenant?: string }): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked. Resolves true when it was active, false when unknown or already revoked. */
  revoke(id: string): Promise<boolean>;
  /** The key with this id, with its hash, or undefined. */
  findByPrefix(id: string): Promise<StoredApiKey | undefined>;
  close(): Promise<void>;
}

/** Longest key name accepted. */
export const MAX_KEY_NAME_LENGTH = 200;

/** Not revoked and not expired at `now` (epoch ms). */
export function isKeyActive(record: ApiKeyRecord, now: number): boolean {
  return record.revokedAt === undefined && (record.expiresAt === undefined || now < record.expiresAt);
}

/** True when any key in `store` is active: counts as "a credential is configured" for RAGD_AUTH and the bind policy. */
export async function hasActiveKey(store: KeyStore, now: number = Date.now()): Promise<boolean> {
  return (await store.list()).some((r) => isKeyActive(r, now));
}

/**
 * Checks and normalises creation input (scopes de-duplicated in SCOPES order).
 * @throws RAGD_ERR_VALIDATION naming the offending field.
 */
export function validateCreateInput(input: CreateApiKeyInput, now: number): CreateApiKeyInput {
  const bad = (field: string, message: string): never => {
    throw new RagdError('RAGD_ERR_VALIDATION', message, { details: { field } });
  };
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length === 0 || name.length > MAX_KEY_NAME_LENGTH) bad('name', `name must be 1-${MAX_KEY_NAME_LENGTH} characters`);
  const tenant = assertTenant(input.tenant);
  if (!Array.isArray(input.scopes) || input.scopes.length === 0 || !input.scopes.every(isScope)) {
    bad('scopes', `scopes must be a non-empty list of ${SCOPES.join(', ')}`);
  }
  if (input.expiresAt !== undefined && (!Number.isSafeInteger(input.expiresAt) || input.expiresAt <= now)) {
    bad('expiresAt', 'expiresAt must be a time in the future (epoch ms)');
  }
  if (input.rateLimitPerMinute !== undefined && (!Number.isSafeInteger(input.rateLimitPerMinute) || input.rateLimitPerMinute < 1)) {
    bad('rateLimitPerMinute', 'rateLimitPerMinute must be a positive integer');
  }
  return {
    name,
    tenant,
    scopes: SCOPES.filter((s) => input.scopes.includes(s)),
    expiresAt: input.expiresAt,
    rateLimitPerMinute: input.rateLimitPerMinute,
  };
}
