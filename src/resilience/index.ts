/**
 * Public surface of the resilience layer: per-dependency pipelines (deadline, circuit breaker,
 * bulkhead, retry with budget), fallback across providers, fault injection and their events.
 */
export { abortReasonToError, raceAbort } from './abort.js';
export { backoffCeilingMs, fullJitterDelayMs, type BackoffOptions } from './backoff.js';
export { Bulkhead, type BulkheadOptions, type BulkheadSnapshot, type Release } from './bulkhead.js';
export {
  CircuitBreaker,
  type BreakerPermit,
  type BreakerSnapshot,
  type CircuitBreakerOptions,
  type CircuitState,
  type FailureRateOptions,
  type StateChange,
} from './circuit-breaker.js';
export { classifyOutcome, errorCode, isRetryable, type OutcomeClass } from './classify.js';
export { systemRuntime, type Runtime } from './clock.js';
export { createDeadlineSignal, remainingMs, resolveDeadline, type DeadlineSignal } from './deadline.js';
export * from './defaults.js';
export { KNOWN_DEPENDENCIES, baseName, type KnownDependency } from './dependency-name.js';
export type { Listener, Unsubscribe } from './emitter.js';
export { outcomeOf, type CallOutcome, type ResilienceEventMap, type ResilienceEvents } from './events.js';
export {
  executeWithFallback,
  shouldFallBack,
  streamWithFallback,
  type FallbackCandidate,
  type FallbackOptions,
  type FallbackResult,
  type StreamFallbackResult,
} from './fallback.js';
export { FaultInjector, type FaultRule } from './fault-injection.js';
export {
  Pipeline,
  type AttemptFn,
  type DependencySnapshot,
  type ExecuteOptions,
  type StreamAttemptFn,
} from './pipeline.js';
export { DEFAULT_PIPELINE_POLICY, resolvePolicy, type PipelinePolicy, type PolicyOverrides, type ResilienceConfig } from './policy.js';
export { REQUEST_TIMEOUT_HEADER, parseDurationMs, parseRequestTimeout } from './request-timeout.js';
export { ResilienceRegistry, type ResilienceRegistryOptions, type ResilienceSnapshot } from './registry.js';
export { retry, type RetryOptions, type RetryPolicyOptions } from './retry.js';
export { RetryBudget, type RetryBudgetOptions, type RetryBudgetSnapshot } from './retry-budget.js';
export { OpenedStream, openStream } from './stream.js';
