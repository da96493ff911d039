/** How an API key record is shown (admin API, `ragd keys --json`): times as RFC 3339, absent fields omitted, never a secret or hash. */
import type { ApiKeyRecord } from './key-store.js';

export function keyView(r: ApiKeyRecord): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    tenant: r.tenant,
    scopes: r.scopes,
    ...(r.expiresAt !== undefined ? { expiresAt: new Date(r.expiresAt).toISOString() } : {}),
    ...(r.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: r.rateLimitPerMinute } : {}),
    createdAt: new Date(r.createdAt).toISOString(),
    ...(r.revokedAt !== undefined ? { revokedAt: new Date(r.revokedAt).toISOString() } : {}),
  };
}
