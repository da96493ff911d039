/** Helpers for the edge integration tests: problem+json assertions and HS256 JWT minting. */
import assert from 'node:assert/strict';
import { SignJWT, base64url } from 'jose';
import type { JsonResponse } from './test-server.js';

/** A 40-byte service token (the minimum is 32). */
export const SERVICE_TOKEN = 'svc-token-for-tests-0123456789abcdefghijkl';
export const JWT_SECRET = 'jwt-hs256-secret-for-tests-0123456789abcdef';
export const METRICS_TOKEN = 'metrics-token-for-tests-0123456789abcdefgh';
export const JWT_ISSUER = 'https://idp.test/';
export const JWT_AUDIENCE = 'ragd';

/** Asserts a problem+json response with this status and code, whose body status equals the wire status. */
export function assertProblem(res: JsonResponse, status: number, code?: string): void {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.status, status);
  if (code !== undefined) assert.equal(res.body.code, code, res.text);
}

export function service(tenant: string): Record<string, string> {
  return { 'x-service-token': SERVICE_TOKEN, 'x-tenant': tenant };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** An HS256 JWT; `exp` defaults to 5 minutes from now. */
export function jwt(claims: Record<string, unknown>, secret = JWT_SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

/** An unsigned token (`alg: none`) with the same claims. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = base64url.encode(JSON.stringify({ iss: JWT_ISSUER, aud: JWT_AUDIENCE, exp: now + 300, ...claims }));
  return `${header}.${payload}.`;
}
