/** Small helpers shared by the resource routes. */
import { RagdError } from '../../errors/ragd-error.js';

export const DEFAULT_COLLECTION = 'default';

/** Rejects whitespace-only text fields (JSON Schema's minLength counts spaces). */
export function requireText(value: string, field: string): void {
  if (value.trim() === '') throw new RagdError('RAGD_ERR_VALIDATION', `${field} must contain non-whitespace text`, { details: { field } });
}
