/**
 * Turns request headers into a Principal. Credentials, first match wins:
 *   1. `X-Service-Token: <secret>`            -> service principal (tenant from `X-Tenant`)
 *   2. `Authorization: Bearer <jwt|api key>`  -> a JWT when it has three dot-separated parts, else an API key
 *   3. `X-API-Key: <api key>`
 * With authentication off every request is the anonymous principal of tenant `default` with all
 * scopes. Framework-free so the CLI and tests can use it; auth-plugin.ts applies it to routes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { RagdError } from '../errors/ragd-error.js';
import { DEFAULT_TENANT } from '../server/plugins/request-context.js';
import { parseApiKey } from './api-keys.js';
import { looksLikeJwt } from './jwt.js';
import { SCOPES, type Principal, type PrincipalKind } from './principal.js';
import { SERVICE_TOKEN_HEADER, type ServiceTokenVerifier } from './service-token.js';
import { TENANT_HEADER } from './tenant.js';

export const API_KEY_HEADER = 'x-api-key';
const BEARER_PREFIX = 'Bearer ';

/** Anything that verifies a token into a principal (ApiKeyVerifier, JwtVerifier or a test double). */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
  /**
   * Optional synchronous fast path: the principal when `token` verified before and still holds,
   * else `undefined` (never an error: `verify` then decides). ApiKeyVerifier implements it.
   */
  verifyCached?(token: string): Principal | undefined;
}

export interface AuthenticatorOptions {
  /** False: every request is {@link ANONYMOUS_PRINCIPAL}. */
  enabled: boolean;
  apiKeys?: TokenVerifier | undefined;
  jwt?: TokenVerifier | undefined;
  serviceToken?: ServiceTokenVerifier | undefined;
}

/** What a request presented, for audit logs: the credential kind and, for API keys, the non-secret key id. */
export interface CredentialAttempt {
  kind: Exclude<PrincipalKind, 'anonymous'> | 'none' | 'unknown';
  id?: string;
}

/** The principal of every request when authentication is off. */
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  kind: 'anonymous',
  id: 'anonymous',
  tenant: DEFAULT_TENANT,
  scopes: Object.freeze([...SCOPES]),
}) as Principal;

/** The principal of public routes while authentication is on: no scopes. */
export const PUBLIC_PRINCIPAL: Principal = Object.freeze({
  kind: 'anonymous',
  id: 'anonymous',
  tenant: DEFAULT_TENANT,
  scopes: Object.freeze([]),
}) as Principal;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

type Presented =
  | { kind: 'none' }
  | { kind: 'service'; token: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'api_key'; token: string }
  | { kind: 'bad_scheme' };

function presented(headers: IncomingHttpHeaders): Presented {
  const service = header(headers, SERVICE_TOKEN_HEADER);
  if (service !== undefined) return { kind: 'service', token: service };
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    return m ? { kind: 'bearer', token: m[1] as string } : { kind: 'bad_scheme' };
  }
  const apiKey = header(headers, API_KEY_HEADER);
  if (apiKey !== undefined) return { kind: 'api_key', token: apiKey.trim() };
  return { kind: 'none' };
}

export class Authenticator {
  readonly enabled: boolean;
  private readonly options: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.options = options;
    this.enabled = options.enabled;
  }

  /**
   * The request's principal when it can be known at once, without I/O and without a promise:
   * authentication off, a service token that matches, or an API key whose verdict is cached (see
   * ApiKeyVerifier.verifyCached). `undefined` in every other case, errors included: then call
   * {@link authenticate}, which gives the same principal or the precise error. Never throws.
   * Credentials are looked at in the same order as `authenticate` does.
   */
  cached(headers: IncomingHttpHeaders): Principal | undefined {
    if (!this.enabled) return ANONYMOUS_PRINCIPAL;
    const service = header(headers, SERVICE_TOKEN_HEADER);
    if (service !== undefined) {
      const verifier = this.options.serviceToken;
      return verifier?.matches(service) ? verifier.principalFor(header(headers, TENANT_HEADER)) : undefined;
    }
    const authorization = header(headers, 'authorization');
    if (authorization !== undefined) {
      // Only the canonical `Bearer <token>`; other spellings the full parse accepts take the slow path.
      if (!authorization.startsWith(BEARER_PREFIX)) return undefined;
      return this.options.apiKeys?.verifyCached?.(authorization.slice(BEARER_PREFIX.length));
    }
    const apiKey = header(headers, API_KEY_HEADER);
    return apiKey === undefined ? undefined : this.options.apiKeys?.verifyCached?.(apiKey.trim());
  }

  /** True when the request carries any credential header (decides `WWW-Authenticate`'s error). */
  hasCredentials(headers: IncomingHttpHeaders): boolean {
    return presented(headers).kind !== 'none';
  }

  /** The credential kind (and API key id) a request presents; never the secret. */
  describe(headers: IncomingHttpHeaders): CredentialAttempt {
    const p = presented(headers);
    switch (p.kind) {
      case 'none':
        return { kind: 'none' };
      case 'bad_scheme':
        return { kind: 'unknown' };
      case 'service':
        return { kind: 'service' };
      default: {
        if (p.kind === 'bearer' && looksLikeJwt(p.token)) return { kind: 'jwt' };
        const parsed = parseApiKey(p.token);
        return parsed ? { kind: 'api_key', id: parsed.id } : { kind: 'unknown' };
      }
    }
  }

  /**
   * @throws RAGD_ERR_UNAUTHORIZED when no credential is presented, or it is invalid, expired or
   *   revoked, or its kind is not configured; RAGD_ERR_AUTH_UNAVAILABLE when it cannot be checked now.
   */
  async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    if (!this.enabled) return ANONYMOUS_PRINCIPAL;
    const p = presented(headers);
    switch (p.kind) {
      case 'none':
        throw new RagdError('RAGD_ERR_UNAUTHORIZED', 'credentials required: send Authorization: Bearer <API key or JWT>, X-API-Key or X-Service-Token');
      case 'bad_scheme':
        throw new RagdError('RAGD_ERR_UNAUTHORIZED', 'Authorization must use the Bearer scheme');
      case 'service':
        if (!this.options.serviceToken) throw new RagdError('RAGD_ERR_UNAUTHORIZED', 'service token authentication is not configured');
        return this.options.serviceToken.verify(p.token, header(headers, TENANT_HEADER));
      case 'bearer':
        if (looksLikeJwt(p.token)) return this.via(this.options.jwt, 'JWT', p.token);
        return this.via(this.options.apiKeys, 'API key', p.token);
      case 'api_key':
        return this.via(this.options.apiKeys, 'API key', p.token);
    }
  }

  private via(verifier: TokenVerifier | undefined, what: string, token: string): Promise<Principal> {
    if (!verifier) return Promise.reject(new RagdError('RAGD_ERR_UNAUTHORIZED', `${what} authentication is not configured`));
    return verifier.verify(token);
  }
}
