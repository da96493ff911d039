/**
 * Who is calling: the one identity every authenticated request carries, whichever credential
 * (API key, JWT, service token) proved it. Scopes are a closed set so a typo in a token claim or
 * route config can never grant something unintended.
 */

/** `query` reads (search, query), `ingest` writes documents, `admin` manages keys and acts across tenants. */
export const SCOPES = ['query', 'ingest', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export type PrincipalKind = 'api_key' | 'jwt' | 'service' | 'anonymous';

export interface Principal {
  kind: PrincipalKind;
  /** Stable, non-secret id: the API key id, the JWT `sub`, `service` or `anonymous`. */
  id: string;
  name?: string;
  tenant: string;
  scopes: readonly Scope[];
  /** The credential's own limit (API keys may carry one); overrides the route-class default. */
  rateLimitPerMinute?: number;
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** Keeps the known scopes of `values`, de-duplicated, in SCOPES order; unknown ones are dropped. */
export function toScopes(values: Iterable<unknown>): Scope[] {
  const seen = new Set<unknown>(values);
  return SCOPES.filter((s) => seen.has(s));
}

/** `admin` implies every other scope. */
export function hasScope(principal: Pick<Principal, 'scopes'>, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}
