/**
 * The service token: one shared secret for trusted internal callers (gateways, batch jobs), sent
 * as `X-Service-Token`. It grants every scope; the caller names the tenant it acts for in
 * `X-Tenant` (default `default`). Compared in constant time on SHA-256 digests, so neither the
 * secret's length nor a matching prefix leaks through response timing.
 */
import crypto from 'node:crypto';
import { RagdError } from '../errors/ragd-error.js';
import { DEFAULT_TENANT } from '../server/plugins/request-context.js';
import { digestsEqual } from './constant-time.js';
import { SCOPES, type Principal } from './principal.js';
import { MIN_SECRET_BYTES } from './secrets.js';
import { isValidTenant } from './tenant.js';

export const SERVICE_TOKEN_HEADER = 'x-service-token';

export class ServiceTokenVerifier {
  private readonly secret: Buffer;
  /** SHA-256 of the secret, computed once: a check then hashes only the presented token. */
  private readonly secretDigest: Buffer;

  /** @throws RAGD_ERR_CONFIG when `secret` is shorter than {@link MIN_SECRET_BYTES}. */
  constructor(secret: Uint8Array | string) {
    this.secret = Buffer.from(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
    if (this.secret.length < MIN_SECRET_BYTES) {
      throw new RagdError('RAGD_ERR_CONFIG', `the service token must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    this.secretDigest = crypto.createHash('sha256').update(this.secret).digest();
  }

  /** Constant-time check of a presented token (as constantTimeEqual, with the secret's digest precomputed). */
  matches(token: string): boolean {
    return digestsEqual(crypto.createHash('sha256').update(token).digest(), this.secretDigest);
  }

  /** The service principal for an X-Tenant value, or `undefined` when the name is invalid. */
  principalFor(tenant: string | undefined): Principal | undefined {
    const t = tenant === undefined || tenant === '' ? DEFAULT_TENANT : tenant;
    return isValidTenant(t) ? { kind: 'service', id: 'service', name: 'service token', tenant: t, scopes: [...SCOPES] } : undefined;
  }

  /**
   * The service principal acting for `tenant` (the X-Tenant header; `default` when absent).
   * @throws RAGD_ERR_UNAUTHORIZED for a wrong token; RAGD_ERR_VALIDATION for an invalid tenant name.
   */
  verify(token: string, tenant?: string): Principal {
    if (!this.matches(token)) throw new RagdError('RAGD_ERR_UNAUTHORIZED', 'invalid service token');
    const principal = this.principalFor(tenant);
    if (principal === undefined) {
      throw new RagdError('RAGD_ERR_VALIDATION', 'X-Tenant must be 1-64 characters of A-Z a-z 0-9 . _ -', { details: { field: 'X-Tenant' } });
    }
    return principal;
  }
}
