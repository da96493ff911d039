/**
 * JWT bearer tokens, verified with jose: HS256 against a shared secret, and/or RS256/ES256 against a
 * JWKS URL (fetched by jose, cached, refetched on an unknown `kid`). The allowed algorithms are an
 * explicit list and the key is chosen by algorithm family, so `alg: none` and algorithm confusion
 * (an HS256 token "signed" with the RSA public key) are rejected. `exp` is required; issuer and
 * audience are checked when configured (both are required with a JWKS, where the issuer is shared).
 *
 * During an identity-provider outage the last key set fetched keeps verifying tokens, so an
 * outage never turns a valid token into a 401; with no key set ever fetched it is a 503.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwksCache,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWKSCacheInput,
} from 'jose';
import { RagdError } from '../errors/ragd-error.js';
import { DEFAULT_TENANT } from '../server/plugins/request-context.js';
import { toScopes, type Principal } from './principal.js';
import { MIN_SECRET_BYTES } from './secrets.js';
import { isValidTenant } from './tenant.js';

/** Clock skew accepted on `exp`, `nbf` and `iat`: 30 s covers NTP-synced hosts without extending tokens much. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;
/** A fetched JWKS is used this long before it is refetched: 10 min, jose's default, picks up rotations. */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** Least time between refetches triggered by unknown `kid`s: 30 s, so junk tokens cannot hammer the IdP. */
export const JWKS_COOLDOWN_MS = 30_000;
/** JWKS fetch timeout: 5 s. */
export const JWKS_TIMEOUT_MS = 5_000;

export const HMAC_ALGORITHMS = ['HS256'] as const;
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'] as const;

export interface JwtVerifierOptions {
  /** HS256 secret, at least {@link MIN_SECRET_BYTES}. */
  secret?: Uint8Array | undefined;
  /** JWKS endpoint for RS256/ES256 tokens. Requires `issuer` and `audience`. */
  jwksUrl?: string | undefined;
  /** Expected `iss`. */
  issuer?: string | string[] | undefined;
  /** Expected `aud` (any of). */
  audience?: string | string[] | undefined;
  /** Claim holding the tenant. Defaults to `tenant`; absent means `default`. */
  tenantClaim?: string;
  /** Claim holding scopes, a space-separated string or an array. Defaults to `scope`. */
  scopeClaim?: string;
  /** Defaults to {@link JWT_CLOCK_TOLERANCE_SECONDS}. */
  clockToleranceSeconds?: number;
  /** Clock, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
}

/** Three base64url segments separated by dots (the last may be empty, as in `alg: none`). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

/** Thrown by the key resolver when the JWKS cannot be fetched; mapped to 503, not 401. */
class JwksUnavailable extends Error {}

const FETCH_FAILURE_CODES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID']);

/** A remote JWKS that falls back to the last key set it fetched while the endpoint is down. */
function resilientJwks(url: string): JWTVerifyGetKey {
  const cache: JWKSCacheInput = {} as JWKSCacheInput;
  const remote = createRemoteJWKSet(new URL(url), {
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: JWKS_COOLDOWN_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
    [jwksCache]: cache,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== undefined && !FETCH_FAILURE_CODES.has(code)) throw err; // e.g. no matching key: the token's fault
      const last = (cache as { jwks?: { keys: JWK[] } }).jwks;
      if (last) return createLocalJWKSet(last)(header, token);
      throw new JwksUnavailable('JWKS unavailable', { cause: err });
    }
  };
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `token ${err.claim} claim check failed`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no known key matches the token';
  return 'token is invalid';
}

export class JwtVerifier {
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: JWTVerifyGetKey | undefined;
  private readonly algorithms: string[];
  private readonly options: JwtVerifierOptions;
  private readonly tenantClaim: string;
  private readonly scopeClaim: string;
  private readonly now: () => number;

  /** @throws RAGD_ERR_CONFIG for a short secret, neither secret nor JWKS, or a JWKS without issuer and audience. */
  constructor(options: JwtVerifierOptions) {
    this.options = options;
    this.tenantClaim = options.tenantClaim ?? 'tenant';
    this.scopeClaim = options.scopeClaim ?? 'scope';
    this.now = options.now ?? Date.now;
    if (options.secret !== undefined && options.secret.length < MIN_SECRET_BYTES) {
      throw new RagdError('RAGD_ERR_CONFIG', `the JWT HS256 secret must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    if (options.jwksUrl !== undefined && (options.issuer === undefined || options.audience === undefined)) {
      throw new RagdError('RAGD_ERR_CONFIG', 'a JWKS URL needs an expected issuer and audience (RAGD_JWT_ISSUER, RAGD_JWT_AUDIENCE)');
    }
    if (options.secret === undefined && options.jwksUrl === undefined) {
      throw new RagdError('RAGD_ERR_CONFIG', 'JWT verification needs a secret or a JWKS URL');
    }
    this.secret = options.secret;
    this.jwks = options.jwksUrl === undefined ? undefined : resilientJwks(options.jwksUrl);
    this.algorithms = [...(this.secret ? HMAC_ALGORITHMS : []), ...(this.jwks ? ASYMMETRIC_ALGORITHMS : [])];
  }

  /**
   * The principal a valid token names: `sub` as id, tenant and scopes from the configured claims.
   * @throws RAGD_ERR_UNAUTHORIZED for any invalid token; RAGD_ERR_AUTH_UNAVAILABLE when the JWKS
   *   was never fetched and cannot be now.
   */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyFor, {
        algorithms: this.algorithms,
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds ?? JWT_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      if (err instanceof JwksUnavailable) {
        throw new RagdError('RAGD_ERR_AUTH_UNAVAILABLE', 'identity provider key set (JWKS) unavailable; token cannot be verified right now', { cause: err });
      }
      throw new RagdError('RAGD_ERR_UNAUTHORIZED', describe(err), { cause: err });
    }
    const tenant = payload[this.tenantClaim] ?? DEFAULT_TENANT;
    if (!isValidTenant(tenant)) throw new RagdError('RAGD_ERR_UNAUTHORIZED', `token ${this.tenantClaim} claim is not a valid tenant`);
    const raw = payload[this.scopeClaim];
    const scopes = toScopes(typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw : []);
    const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : 'jwt';
    return { kind: 'jwt', id: sub, name: sub, tenant, scopes };
  }

  /** Picks the key by algorithm family: the HMAC secret never verifies an RS/ES token and vice versa. */
  private readonly keyFor: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256' && this.secret) return this.secret;
    if ((header.alg === 'RS256' || header.alg === 'ES256') && this.jwks) return this.jwks(header, token);
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  };
}
