/**
 * Fallback across providers: try an ordered list of (name, pipeline, call) and move to the next
 * when one fails in a way another provider could fix (the dependency failed, its breaker is open,
 * its bulkhead is full), within the caller's deadline. Reports which provider answered.
 * Streams fall back only until their first item; after that the answer is committed.
 */
import { RagdError, isRagdError } from '../errors/ragd-error.js';
import type { ErrorCode } from '../errors/registry.js';
import { abortReasonToError } from './abort.js';
import { classifyOutcome, errorCode } from './classify.js';
import type { AttemptFn, ExecuteOptions, Pipeline, StreamAttemptFn } from './pipeline.js';
import { openStream, type OpenedStream } from './stream.js';

export interface FallbackCandidate<F> {
  /** Provider name reported in the result, e.g. `ollama`. */
  name: string;
  pipeline: Pipeline;
  call: F;
}

export interface FallbackOptions extends ExecuteOptions {
  /** Whether to move on after `err`. Defaults to {@link shouldFallBack}. */
  shouldFallBack?: (err: unknown) => boolean;
  /** Told each time a provider is skipped (for metrics and logs). */
  onFallback?: (event: { from: string; to: string; code: ErrorCode | undefined }) => void;
  /** Clock for the deadline check. Defaults to `Date.now`. */
  now?: () => number;
}

/** A provider that was tried and failed before the one that answered. */
export interface SkippedProvider {
  provider: string;
  code: ErrorCode | undefined;
}

export interface FallbackResult<T> {
  value: T;
  /** The provider that answered. */
  provider: string;
  skipped: SkippedProvider[];
}

export interface StreamFallbackResult<T> {
  stream: OpenedStream<T>;
  provider: string;
  skipped: SkippedProvider[];
}

/** Default rule: fall back on dependency failures, an open breaker or a full bulkhead; not on a 4xx or a cancelled call. */
export function shouldFallBack(err: unknown): boolean {
  if (isRagdError(err) && (err.code === 'RAGD_ERR_CIRCUIT_OPEN' || err.code === 'RAGD_ERR_BULKHEAD_FULL')) return true;
  return classifyOutcome(err) === 'failure';
}

/**
 * Calls each candidate's pipeline in order until one answers.
 * @throws the last candidate's error when all fail; a non-fallback error at once; the caller's abort
 *   error when its signal aborts; RAGD_ERR_CONFIG for an empty list.
 */
export async function executeWithFallback<T>(
  candidates: ReadonlyArray<FallbackCandidate<AttemptFn<T>>>,
  options: FallbackOptions = {},
): Promise<FallbackResult<T>> {
  const { skipped, run } = loop(candidates, options);
  return run(async (c) => ({ value: await c.pipeline.execute(c.call, options), provider: c.name, skipped }));
}

/**
 * Opens the first candidate stream that delivers a first item (or ends cleanly). Resolves before
 * any item is consumed, so a caller can still answer with an error status if every provider fails.
 */
export async function streamWithFallback<T>(
  candidates: ReadonlyArray<FallbackCandidate<StreamAttemptFn<T>>>,
  options: FallbackOptions = {},
): Promise<StreamFallbackResult<T>> {
  const { skipped, run } = loop(candidates, options);
  return run(async (c) => {
    // The stream would be opened at once: a provider whose breaker is open is refused without
    // building the stream (same refusal, same events), the common case while it is down.
    const refused = c.pipeline.refuse();
    if (refused !== undefined) throw refused;
    return { stream: await openStream(c.pipeline.executeStream(c.call, options)), provider: c.name, skipped };
  });
}

function loop<F>(candidates: ReadonlyArray<FallbackCandidate<F>>, options: FallbackOptions) {
  const skipped: SkippedProvider[] = [];
  const decide = options.shouldFallBack ?? shouldFallBack;
  const now = options.now ?? Date.now;
  const run = async <R>(attempt: (c: FallbackCandidate<F>) => Promise<R>): Promise<R> => {
    if (candidates.length === 0) throw new RagdError('RAGD_ERR_CONFIG', 'Fallback needs at least one provider');
    let lastError: unknown;
    for (const [i, candidate] of candidates.entries()) {
      if (options.signal?.aborted === true) throw abortReasonToError(options.signal.reason);
      if (i > 0 && options.deadline !== undefined && now() >= options.deadline) throw lastError;
      try {
        return await attempt(candidate);
      } catch (err) {
        const next = candidates[i + 1];
        if (next === undefined || !decide(err)) throw err;
        lastError = err;
        skipped.push({ provider: candidate.name, code: errorCode(err) });
        options.onFallback?.({ from: candidate.name, to: next.name, code: errorCode(err) });
      }
    }
    throw lastError;
  };
  return { skipped, run };
}
