/**
 * The configuration of one dependency's pipeline and how it is resolved from `ResilienceConfig`:
 * built-in defaults, then `defaults`, then the base name's entry (`generation`), then the exact
 * name's entry (`generation:ollama`), merged one level deep.
 */
import { RagdError } from '../errors/ragd-error.js';
import { DEFAULT_BULKHEAD, type BulkheadOptions } from './bulkhead.js';
import { DEFAULT_CIRCUIT_BREAKER, type CircuitBreakerOptions } from './circuit-breaker.js';
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_TIMEOUT_FAILURE_MIN_MS } from './defaults.js';
import { baseName } from './dependency-name.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicyOptions } from './retry.js';
import { DEFAULT_RETRY_BUDGET, type RetryBudgetOptions } from './retry-budget.js';

export interface PipelinePolicy {
  /** Budget of a call whose caller passes no deadline, in ms. Defaults to 30 s. */
  timeoutMs: number;
  /** A deadline-cut attempt counts as a breaker failure only after running this long, in ms. Defaults to 1 s. */
  timeoutFailureMinMs: number;
  breaker: CircuitBreakerOptions;
  bulkhead: BulkheadOptions;
  retry: RetryPolicyOptions;
  retryBudget: RetryBudgetOptions;
}

export const DEFAULT_PIPELINE_POLICY: PipelinePolicy = {
  timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
  timeoutFailureMinMs: DEFAULT_TIMEOUT_FAILURE_MIN_MS,
  breaker: DEFAULT_CIRCUIT_BREAKER,
  bulkhead: DEFAULT_BULKHEAD,
  retry: DEFAULT_RETRY_POLICY,
  retryBudget: DEFAULT_RETRY_BUDGET,
};

/** Any subset of a policy; nested groups are merged key by key. */
export interface PolicyOverrides {
  timeoutMs?: number;
  timeoutFailureMinMs?: number;
  breaker?: Partial<CircuitBreakerOptions>;
  bulkhead?: Partial<BulkheadOptions>;
  retry?: Partial<RetryPolicyOptions>;
  retryBudget?: Partial<RetryBudgetOptions>;
}

export interface ResilienceConfig {
  /** Applied to every dependency. */
  defaults?: PolicyOverrides;
  /** Per base name (`generation`) or instance (`generation:ollama`). */
  dependencies?: Record<string, PolicyOverrides>;
}

/** Merges `overrides` onto `policy`, one level deep. */
export function mergePolicy(policy: PipelinePolicy, overrides: PolicyOverrides | undefined): PipelinePolicy {
  if (overrides === undefined) return policy;
  return {
    timeoutMs: overrides.timeoutMs ?? policy.timeoutMs,
    timeoutFailureMinMs: overrides.timeoutFailureMinMs ?? policy.timeoutFailureMinMs,
    breaker: { ...policy.breaker, ...overrides.breaker },
    bulkhead: { ...policy.bulkhead, ...overrides.bulkhead },
    retry: { ...policy.retry, ...overrides.retry },
    retryBudget: { ...policy.retryBudget, ...overrides.retryBudget },
  };
}

/**
 * The policy for dependency `name`. Breaker, bulkhead and budget options are validated by their
 * constructors; the rest here.
 * @throws RagdError RAGD_ERR_CONFIG for a value out of range.
 */
export function resolvePolicy(config: ResilienceConfig, name: string): PipelinePolicy {
  const base = baseName(name);
  let policy = mergePolicy(DEFAULT_PIPELINE_POLICY, config.defaults);
  policy = mergePolicy(policy, config.dependencies?.[base]);
  if (base !== name) policy = mergePolicy(policy, config.dependencies?.[name]);
  validatePolicy(name, policy);
  return policy;
}

/** @throws RagdError RAGD_ERR_CONFIG when timeouts or retry options are out of range. */
export function validatePolicy(name: string, p: PipelinePolicy): void {
  const fail = (m: string): never => {
    throw new RagdError('RAGD_ERR_CONFIG', `Resilience policy for ${name}: ${m}`);
  };
  if (!(p.timeoutMs > 0)) fail('timeoutMs must be positive');
  if (!(p.timeoutFailureMinMs >= 0)) fail('timeoutFailureMinMs must be >= 0');
  if (!Number.isSafeInteger(p.retry.maxAttempts) || p.retry.maxAttempts < 1) fail('retry.maxAttempts must be a positive integer');
  if (!(p.retry.baseDelayMs >= 0) || !(p.retry.maxDelayMs >= p.retry.baseDelayMs)) {
    fail('retry needs 0 <= baseDelayMs <= maxDelayMs');
  }
}
