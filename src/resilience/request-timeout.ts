/**
 * Parsing the client's `X-Request-Timeout` header: a bare number of milliseconds (`1500`) or a
 * duration with a unit (`500ms`, `2s`, `1.5s`). A client may only shorten the server's budget,
 * never extend it.
 */
import { RagdError } from '../errors/ragd-error.js';

/** The header this module parses, as clients send it. */
export const REQUEST_TIMEOUT_HEADER = 'X-Request-Timeout';

/** Longer values are rejected before parsing: nobody needs 33 characters to say a duration. */
const MAX_HEADER_LENGTH = 32;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s)?$/i;

/** Parses `1500`, `500ms`, `2s`, `1.5s` into whole milliseconds (rounded up); `undefined` if invalid or not positive. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_HEADER_LENGTH) return undefined;
  const match = DURATION.exec(trimmed);
  if (match === null) return undefined;
  const value = Number(match[1]);
  const unit = (match[2] ?? 'ms').toLowerCase();
  const ms = Math.ceil(unit === 's' ? value * 1000 : value);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

/**
 * Returns the timeout for a request, in ms: `serverDefaultMs` when the header is absent, otherwise
 * the smaller of the two.
 * @throws RagdError RAGD_ERR_VALIDATION, details `{ field: 'X-Request-Timeout' }`, when the header is
 *   repeated, empty, not a positive duration, or uses an unknown unit.
 */
export function parseRequestTimeout(header: string | readonly string[] | undefined, serverDefaultMs: number): number {
  if (header === undefined) return serverDefaultMs;
  const single = typeof header === 'string' ? header : header.length === 1 ? header[0] : undefined;
  const ms = single === undefined ? undefined : parseDurationMs(single);
  if (ms === undefined) {
    throw new RagdError(
      'RAGD_ERR_VALIDATION',
      `${REQUEST_TIMEOUT_HEADER} must be a positive duration in milliseconds or with a unit, such as 1500, 500ms or 2s`,
      { details: { field: REQUEST_TIMEOUT_HEADER } },
    );
  }
  return Math.min(ms, serverDefaultMs);
}
