/**
 * Renders any error as an RFC 9457 problem+json body. This is the only place errors become HTTP
 * responses: RagdErrors keep their registry code; Fastify's own errors (body too large, bad content
 * type, schema validation) are mapped onto registry codes; anything else is a 500 with no detail.
 * Stack traces and internal messages never reach clients.
 */
import { ERROR_REGISTRY, isErrorCode, problemType, type ErrorCode } from '../errors/registry.js';
import { RagdError, isRagdError } from '../errors/ragd-error.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  requestId?: string;
  retryable: boolean;
  [extra: string]: unknown;
}

export interface RenderedProblem {
  status: number;
  body: ProblemBody;
  headers: Record<string, string>;
}

interface AjvLikeError {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: AjvLikeError[];
  validationContext?: string;
  message?: string;
}

/** `/documents/0/text` -> `documents[0].text`; required-property errors name the missing field. */
export function fieldOf(err: AjvLikeError, context?: string): string {
  const parts = (err.instancePath ?? '').split('/').filter(Boolean);
  if (err.keyword === 'required' && typeof err.params?.missingProperty === 'string') parts.push(err.params.missingProperty);
  if (err.keyword === 'additionalProperties' && typeof err.params?.additionalProperty === 'string') {
    parts.push(err.params.additionalProperty);
  }
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  if (!out) return context ?? 'body';
  return out;
}

function describe(err: AjvLikeError, field: string): string {
  switch (err.keyword) {
    case 'required':
      return `${field} is required`;
    case 'additionalProperties':
      return `${field} is not a known field`;
    case 'enum':
      return `${field} must be one of ${(err.params?.allowedValues as unknown[] | undefined)?.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${field} ${err.message ?? 'is invalid'}`;
  }
}

function fromValidation(err: FastifyLikeError): RagdError {
  const context = err.validationContext === 'body' ? undefined : err.validationContext;
  const errors = (err.validation ?? []).map((v) => {
    const field = fieldOf(v, context);
    return { field, message: describe(v, field) };
  });
  const first = errors[0];
  return new RagdError('RAGD_ERR_VALIDATION', first ? first.message : 'request is invalid', {
    details: { field: first?.field, errors },
  });
}

/** Maps any thrown value to a RagdError; unknown errors become RAGD_ERR_INTERNAL with a generic message. */
export function toRagdError(err: unknown): RagdError {
  if (isRagdError(err)) return err;
  const e = (err ?? {}) as FastifyLikeError;
  if (Array.isArray(e.validation)) return fromValidation(e);
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RagdError('RAGD_ERR_BODY_TOO_LARGE', 'request body is larger than the configured limit (RAGD_BODY_LIMIT_BYTES)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RagdError('RAGD_ERR_UNSUPPORTED_MEDIA_TYPE', 'send JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new RagdError('RAGD_ERR_MALFORMED_JSON', 'body is empty; send a JSON object', { details: { field: 'body' } });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new RagdError('RAGD_ERR_VALIDATION', 'Content-Length does not match the body', { details: { field: 'Content-Length' } });
    default:
      break;
  }
  if (isErrorCode(e.code)) return new RagdError(e.code, e.message);
  if (e.statusCode === 400 && e.message && /JSON/i.test(e.message)) {
    return new RagdError('RAGD_ERR_MALFORMED_JSON', 'body is not valid JSON', { details: { field: 'body' } });
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new RagdError('RAGD_ERR_VALIDATION', e.message ?? 'bad request');
  }
  return new RagdError('RAGD_ERR_INTERNAL', 'internal error; see the server log for this request id', { cause: err });
}

export function renderProblem(err: unknown, ctx: { instance?: string; requestId?: string } = {}): RenderedProblem {
  const r = toRagdError(err);
  const spec = ERROR_REGISTRY[r.code];
  const body: ProblemBody = {
    ...(r.details ?? {}),
    type: problemType(r.code),
    title: spec.title,
    status: r.status,
    detail: r.message,
    code: r.code,
    retryable: r.retryable,
    ...(ctx.instance ? { instance: ctx.instance } : {}),
    ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
  };
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  if (r.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(0, Math.ceil(r.retryAfterSeconds)));
  else if (r.retryable && r.status === 503) headers['retry-after'] = '1';
  return { status: r.status, body, headers };
}
