import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import { ERROR_REGISTRY, type ErrorCode } from '../../src/errors/registry.js';
import { FAILURE_CODES, RETRYABLE_CODES, classifyOutcome, isRetryable } from '../../src/resilience/classify.js';
import { outcomeOf } from '../../src/resilience/events.js';

const err = (code: ErrorCode): RagdError => new RagdError(code);

describe('classify', () => {
  test('dependency failures count against the breaker; 4xx, cancellations and validation do not', () => {
    for (const code of ['RAGD_ERR_PROVIDER_UNAVAILABLE', 'RAGD_ERR_PROVIDER_RATE_LIMITED', 'RAGD_ERR_PROVIDER_RESPONSE', 'RAGD_ERR_TIMEOUT', 'RAGD_ERR_STORE_UNAVAILABLE'] as const) {
      assert.equal(classifyOutcome(err(code)), 'failure', code);
    }
    assert.equal(classifyOutcome(new TypeError('fetch failed')), 'failure');
    assert.equal(classifyOutcome(err('RAGD_ERR_PROVIDER_REJECTED')), 'success');
    for (const code of ['RAGD_ERR_CLIENT_CLOSED', 'RAGD_ERR_VALIDATION', 'RAGD_ERR_CIRCUIT_OPEN', 'RAGD_ERR_BULKHEAD_FULL'] as const) {
      assert.equal(classifyOutcome(err(code)), 'ignored', code);
    }
  });

  test('only transient RagdErrors are retryable, never CIRCUIT_OPEN or BULKHEAD_FULL', () => {
    for (const code of RETRYABLE_CODES) assert.equal(ERROR_REGISTRY[code].retryable, true, code);
    for (const code of FAILURE_CODES) assert.equal(isRetryable(err(code)), true, code);
    for (const code of ['RAGD_ERR_CIRCUIT_OPEN', 'RAGD_ERR_BULKHEAD_FULL', 'RAGD_ERR_PROVIDER_REJECTED', 'RAGD_ERR_CLIENT_CLOSED', 'RAGD_ERR_VALIDATION'] as const) {
      assert.equal(isRetryable(err(code)), false, code);
    }
    assert.equal(isRetryable(new Error('x')), false);
  });

  test('outcome labels', () => {
    assert.equal(outcomeOf(undefined), 'success');
    assert.equal(outcomeOf(err('RAGD_ERR_TIMEOUT')), 'timeout');
    assert.equal(outcomeOf(err('RAGD_ERR_CIRCUIT_OPEN')), 'circuit_open');
    assert.equal(outcomeOf(err('RAGD_ERR_BULKHEAD_FULL')), 'bulkhead_full');
    assert.equal(outcomeOf(err('RAGD_ERR_CLIENT_CLOSED')), 'cancelled');
    assert.equal(outcomeOf(err('RAGD_ERR_PROVIDER_UNAVAILABLE')), 'failure');
    assert.equal(outcomeOf(err('RAGD_ERR_PROVIDER_REJECTED')), 'client_error');
  });
});
