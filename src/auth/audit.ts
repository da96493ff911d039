/**
 * Structured audit events: one JSON log line (`event: 'audit'`) per authentication failure and per
 * admin action, through the request's logger so it carries the request id and binds like every
 * other line. Events name the principal (kind and non-secret id) and never a key, token or secret.
 */
import type { FastifyRequest } from 'fastify';
import type { PrincipalKind } from './principal.js';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditEvent {
  /** What was attempted: `auth.authenticate`, `auth.authorize`, `keys.create`, `POST /api/v1/keys` ... */
  action: string;
  outcome: AuditOutcome;
  principalKind?: PrincipalKind | 'none' | 'unknown' | undefined;
  /** API key id, JWT `sub`, `service`: never the credential itself. */
  principalId?: string | undefined;
  tenant?: string | undefined;
  /** Short, client-safe reason, e.g. the error message or code. */
  reason?: string | undefined;
  /** Extra safe facts, e.g. `{ keyId }` of a key an admin revoked. */
  target?: Record<string, string | number | boolean> | undefined;
}

/** The log line an event becomes; exported for tests and log pipelines. */
export interface AuditRecord extends AuditEvent {
  event: 'audit';
  requestId: string;
  ip: string;
}

export function toAuditRecord(request: Pick<FastifyRequest, 'id' | 'ip'>, event: AuditEvent): AuditRecord {
  const record: AuditRecord = { event: 'audit', requestId: String(request.id), ip: request.ip, action: event.action, outcome: event.outcome };
  if (event.principalKind !== undefined) record.principalKind = event.principalKind;
  if (event.principalId !== undefined) record.principalId = event.principalId;
  if (event.tenant !== undefined) record.tenant = event.tenant;
  if (event.reason !== undefined) record.reason = event.reason;
  if (event.target !== undefined) record.target = event.target;
  return record;
}

/** Writes an audit event: `info` for successes, `warn` for failures and denials. */
export function audit(request: Pick<FastifyRequest, 'id' | 'ip' | 'log'>, event: AuditEvent): void {
  const record = toAuditRecord(request, event);
  if (event.outcome === 'success') request.log.info(record, 'audit');
  else request.log.warn(record, 'audit');
}
