/**
 * Tenant isolation. Every stored resource belongs to one tenant; a request acts for exactly one.
 *
 * The rule: a principal acts for its own tenant. Only a principal with the `admin` scope may act for
 * another tenant, by naming it explicitly (the `X-Tenant` header). A resource that belongs to another
 * tenant must answer 404 exactly as if it did not exist, never 403: a 403 would confirm to the caller
 * that the id exists elsewhere. Routes get that for free by always looking resources up under
 * `request.tenant` (or `tenantFor(...)`), never under a tenant taken from the URL or body.
 */
import type { FastifyRequest } from 'fastify';
import { RagdError } from '../errors/ragd-error.js';
import { hasScope, type Principal } from './principal.js';

/** Tenant names: 1-64 of [A-Za-z0-9._-]; safe in keys, logs and metric-free contexts. */
export const TENANT_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** Header an admin (or the service token) uses to act for another tenant. */
export const TENANT_HEADER = 'x-tenant';

export function isValidTenant(value: unknown): value is string {
  return typeof value === 'string' && TENANT_PATTERN.test(value);
}

/** @throws RAGD_ERR_VALIDATION when `value` is not a valid tenant name. */
export function assertTenant(value: unknown, field = 'tenant'): string {
  if (!isValidTenant(value)) {
    throw new RagdError('RAGD_ERR_VALIDATION', `${field} must be 1-64 characters of A-Z a-z 0-9 . _ -`, { details: { field } });
  }
  return value;
}

/**
 * The tenant `request` may act for. Admins get `requested` when given (validated), others always
 * get their own tenant and `requested` is ignored, so a non-admin can never reach another tenant.
 *
 * @example
 * const tenant = tenantFor(request, request.headers['x-tenant'] as string | undefined);
 * @throws RAGD_ERR_VALIDATION when an admin names an invalid tenant.
 */
export function tenantFor(request: Pick<FastifyRequest, 'tenant'> & { principal?: Principal | undefined }, requested?: string): string {
  const principal = request.principal;
  if (requested !== undefined && requested !== '' && principal && hasScope(principal, 'admin')) {
    return assertTenant(requested, 'X-Tenant');
  }
  return request.tenant;
}
