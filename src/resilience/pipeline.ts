/**
 * The resilience pipeline for one dependency: deadline -> circuit breaker -> bulkhead -> retry,
 * with fault injection inside each attempt, just before the real call.
 *
 * - Deadline: the earlier of the caller's and `timeoutMs` from now; every attempt gets a signal
 *   that aborts at the deadline or when the caller aborts, and work that ignores it is cut off.
 * - Breaker: an OPEN breaker rejects before the call queues; then every attempt takes its own
 *   permit, so the breaker counts upstream attempts and a retry stops once it opens.
 * - Bulkhead: one slot per call, held across its retries.
 * - Retry: idempotent calls only, full-jitter backoff, Retry-After, deadline and retry budget.
 *
 * `executeStream` retries only until the first item arrives; after that an error goes to the
 * consumer, who must turn it into an explicit error (never a clean end of stream).
 */
import { RagdError } from '../errors/ragd-error.js';
import { abortReasonToError } from './abort.js';
import { Bulkhead, type BulkheadSnapshot, type Release } from './bulkhead.js';
import { CircuitBreaker, type BreakerPermit, type BreakerSnapshot } from './circuit-breaker.js';
import { classifyOutcome, errorCode } from './classify.js';
import { withRuntime, type Runtime } from './clock.js';
import { createDeadlineSignal, deadlineExceeded, resolveDeadline, type DeadlineSignal } from './deadline.js';
import { ResilienceEventHub, outcomeOf, type ResilienceEvents } from './events.js';
import type { FaultInjector } from './fault-injection.js';
import { DEFAULT_PIPELINE_POLICY, validatePolicy, type PipelinePolicy } from './policy.js';
import { retry, type RetryEvent } from './retry.js';
import { RetryBudget, type RetryBudgetSnapshot } from './retry-budget.js';

/** One attempt of a call: honour `signal`; `attempt` is 1 for the first try. */
export type AttemptFn<T> = (signal: AbortSignal, attempt: number) => Promise<T>;
/** One attempt of a streaming call. */
export type StreamAttemptFn<T> = (signal: AbortSignal, attempt: number) => AsyncIterable<T>;

export interface ExecuteOptions {
  /** The caller's signal (client disconnect). */
  signal?: AbortSignal | undefined;
  /**
   * Whether the caller is already aborted, without reading `signal`: the abort reason, or undefined.
   * `executeLocal` checks this instead of `signal` when it is given, so a caller whose signal is made on
   * first read (a request's, see request-context.ts) makes none for in-process work that runs at once.
   */
  abortedReason?: (() => unknown) | undefined;
  /** Absolute deadline, epoch ms; the pipeline may only shorten it (to `timeoutMs` from now). */
  deadline?: number | undefined;
  /** Whether repeating the call is safe. Defaults to false: no retries. */
  idempotent?: boolean | undefined;
}

export interface PipelineDeps {
  runtime?: Partial<Runtime>;
  /** Where events go; a pipeline without one gets its own hub (see `events`). */
  events?: ResilienceEventHub;
  faults?: FaultInjector;
}

export interface DependencySnapshot {
  name: string;
  breaker: BreakerSnapshot;
  bulkhead: BulkheadSnapshot;
  retryBudget: RetryBudgetSnapshot;
}

interface OpenedStream<T> {
  iterator: AsyncIterator<T>;
  first: IteratorResult<T>;
  permit: BreakerPermit;
}

export class Pipeline {
  readonly breaker: CircuitBreaker;
  readonly bulkhead: Bulkhead;
  readonly budget: RetryBudget;
  /** Subscribe side of this pipeline's events (shared with its registry, if any). */
  readonly events: ResilienceEvents;
  private readonly hub: ResilienceEventHub;
  private readonly runtime: Runtime;
  private readonly faults: FaultInjector | undefined;
  private readonly canRetry = (): boolean => this.breaker.wouldAdmit();
  private readonly onRetry = (e: RetryEvent): void => {
    if (this.hub.has('retry')) {
      this.hub.emit('retry', { name: this.name, attempt: e.attempt, delayMs: e.delayMs, code: errorCode(e.error) });
    }
  };

  /** @throws RagdError RAGD_ERR_CONFIG when `policy` is out of range. */
  constructor(
    readonly name: string,
    private readonly policy: PipelinePolicy = DEFAULT_PIPELINE_POLICY,
    deps: PipelineDeps = {},
  ) {
    validatePolicy(name, policy);
    this.runtime = withRuntime(deps.runtime);
    this.hub = deps.events ?? new ResilienceEventHub();
    this.events = this.hub;
    this.faults = deps.faults;
    this.breaker = new CircuitBreaker(name, policy.breaker, this.runtime.now);
    this.bulkhead = new Bulkhead(name, policy.bulkhead, () => this.hub.emit('bulkheadRejected', { name }));
    this.budget = new RetryBudget(policy.retryBudget, this.runtime.now);
    this.breaker.onStateChange((change) => this.hub.emit('stateChange', change));
  }

  /**
   * Runs `fn` through the pipeline.
   * @throws RagdError RAGD_ERR_CIRCUIT_OPEN, RAGD_ERR_BULKHEAD_FULL, RAGD_ERR_TIMEOUT (deadline),
   *   RAGD_ERR_CLIENT_CLOSED (caller aborted), or the last attempt's error.
   * @example
   *   const vectors = await pipelines.get('embedding').execute((signal) => embedder.embed(texts, { signal }),
   *     { signal: req.signal, deadline, idempotent: true });
   */
  async execute<T>(fn: AttemptFn<T>, options: ExecuteOptions = {}): Promise<T> {
    const start = this.runtime.now();
    let attempts = 0;
    let guard: DeadlineSignal | undefined;
    let release: Release | undefined;
    try {
      this.breaker.assertAdmits();
      const deadline = resolveDeadline(start, this.policy.timeoutMs, options.deadline);
      const g = (guard = createDeadlineSignal(options.signal, deadline, { runtime: this.runtime, dependency: this.name }));
      if (g.signal.aborted) throw abortReasonToError(g.signal.reason);
      release = this.bulkhead.tryAcquire() ?? (await this.bulkhead.acquire(g.signal));
      this.budget.recordCall();
      const value = await retry(
        (n) => {
          attempts = n;
          return this.attempt(fn, g, n);
        },
        this.retryOptions(options, deadline, g.signal),
      );
      this.emitOutcome(start, attempts, undefined);
      return value;
    } catch (err) {
      this.emitOutcome(start, attempts, err);
      throw err;
    } finally {
      release?.();
      guard?.dispose();
    }
  }

  /**
   * Runs synchronous, in-process work (an ANN index search, the local embedder) through the
   * pipeline without what only asynchronous work needs: no deadline signal (an AbortController and
   * a timer), no listener on the caller's signal, no race against the deadline and no retry loop,
   * since nothing can interrupt synchronous code once it runs. These were most of `execute`'s cost
   * for work that takes microseconds. What stays is the same as `execute`'s: the breaker admits and
   * counts the call, it takes a bulkhead slot and counts against the retry budget, the caller's
   * signal and the deadline are checked before the call (same errors), and the same events are
   * emitted. It is never retried: repeating deterministic in-process work cannot help.
   * Goes through `execute` instead (with its signal and retries) when a fault is injected for this
   * dependency, since injected faults are asynchronous, or when no bulkhead slot is free, so the call
   * queues exactly as it would there.
   * @throws (as a rejected promise) the errors of `execute`.
   */
  executeLocal<T>(fn: () => T, options: ExecuteOptions = {}): Promise<T> {
    const release = this.localSlot();
    if (release === undefined) return this.execute(async () => fn(), options);
    try {
      return Promise.resolve(this.runLocal(fn, options, release));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * executeLocal without a promise: `{ value }` when the call ran here and now (same admission,
   * bookkeeping and events; it throws what executeLocal rejects with), or undefined, having done
   * nothing, when it could only run through `execute` (a fault injected, or no bulkhead slot free):
   * then call executeLocal. For callers that answer synchronously when they can (a semantic hit).
   */
  executeLocalNow<T>(fn: () => T, options: ExecuteOptions = {}): { value: T } | undefined {
    const release = this.localSlot();
    return release === undefined ? undefined : { value: this.runLocal(fn, options, release) };
  }

  /** A bulkhead slot for local work, or undefined when it must go through `execute` (see executeLocal). */
  private localSlot(): Release | undefined {
    return this.faults?.has(this.name) === true ? undefined : this.bulkhead.tryAcquire();
  }

  /** executeLocal's call, holding `release`'s slot: returns fn's value or throws. */
  private runLocal<T>(fn: () => T, options: ExecuteOptions, release: Release): T {
    const start = this.runtime.now();
    let attempts = 0;
    try {
      this.breaker.assertAdmits();
      // The checks a deadline signal makes when it is created (see DeadlineGuard), in the same order.
      if (options.abortedReason !== undefined) {
        const reason = options.abortedReason();
        if (reason !== undefined) throw abortReasonToError(reason);
      } else if (options.signal?.aborted === true) throw abortReasonToError(options.signal.reason);
      if (resolveDeadline(start, this.policy.timeoutMs, options.deadline) <= start) throw deadlineExceeded(this.name);
      this.budget.recordCall();
      attempts = 1;
      const permit = this.breaker.acquire();
      const begun = this.runtime.now();
      let value: T;
      try {
        value = fn();
      } catch (raw) {
        throw this.settleFailure(permit, raw, undefined, begun, 1);
      }
      permit.success(this.runtime.now() - begun);
      this.emitOutcome(start, attempts, undefined);
      return value;
    } catch (err) {
      this.emitOutcome(start, attempts, err);
      throw err;
    } finally {
      release();
    }
  }

  /**
   * Runs a streaming call. Admission, retries and fault injection happen when the first item is
   * requested; retries stop once an item has arrived. The bulkhead slot and the deadline cover the
   * whole stream. Breaking out of the loop aborts the attempt's signal and closes the source.
   */
  executeStream<T>(fn: StreamAttemptFn<T>, options: ExecuteOptions = {}): AsyncIterable<T> {
    return this.stream(fn, options);
  }

  /**
   * Refuses a call now if the breaker would (OPEN, or HALF_OPEN with its trials taken): the refusal
   * is counted and reported exactly as a refused `execute` or `executeStream` reports it, and
   * returned for the caller to throw. Undefined when a call would be admitted. Lets a caller that
   * would start the call at once anyway (a fallback opening a stream) skip building it.
   */
  refuse(): RagdError | undefined {
    const refused = this.breaker.refusal();
    if (refused !== undefined) this.emitOutcome(this.runtime.now(), 0, refused);
    return refused;
  }

  snapshot(): DependencySnapshot {
    return {
      name: this.name,
      breaker: this.breaker.snapshot(),
      bulkhead: this.bulkhead.snapshot(),
      retryBudget: this.budget.snapshot(),
    };
  }

  private async *stream<T>(fn: StreamAttemptFn<T>, options: ExecuteOptions): AsyncGenerator<T, void, undefined> {
    const start = this.runtime.now();
    let attempts = 0;
    let guard: DeadlineSignal | undefined;
    let release: Release | undefined;
    let opened: OpenedStream<T> | undefined;
    let sourceDone = false;
    let failure: unknown;
    try {
      this.breaker.assertAdmits();
      const deadline = resolveDeadline(start, this.policy.timeoutMs, options.deadline);
      const g = (guard = createDeadlineSignal(options.signal, deadline, { runtime: this.runtime, dependency: this.name }));
      const signal = g.signal;
      release = await this.bulkhead.acquire(signal);
      this.budget.recordCall();
      opened = await retry(
        (n) => {
          attempts = n;
          return this.openAttempt(fn, g, n);
        },
        this.retryOptions(options, deadline, signal),
      );
      let item = opened.first;
      while (item.done !== true) {
        yield item.value;
        try {
          item = await g.race(opened.iterator.next());
        } catch (raw) {
          const err = signal.aborted ? abortReasonToError(signal.reason) : raw;
          sourceDone = !signal.aborted;
          // Only the source's own errors count: a stream cut by our deadline or the caller was
          // still delivering, and a stalled source trips its provider's read timeout instead.
          if (!signal.aborted && classifyOutcome(err) === 'failure') {
            opened.permit.lateFailure();
            this.emitFailure(attempts, err);
          }
          throw err;
        }
      }
      sourceDone = true;
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      if (opened !== undefined && !sourceDone) {
        // The consumer stopped early or the deadline cut the stream: tell the source to stop.
        if (failure === undefined) {
          failure = new RagdError('RAGD_ERR_CLIENT_CLOSED', 'The stream consumer stopped reading');
        }
        guard?.abort(failure);
        closeQuietly(opened.iterator);
      }
      release?.();
      guard?.dispose();
      this.emitOutcome(start, attempts, failure);
    }
  }

  private async attempt<T>(fn: AttemptFn<T>, guard: DeadlineSignal, n: number): Promise<T> {
    const permit = this.breaker.acquire();
    const begun = this.runtime.now();
    const signal = guard.signal;
    try {
      if (this.faults?.has(this.name) === true) await this.faults.apply(this.name, signal);
      const value = await guard.race(fn(signal, n));
      permit.success(this.runtime.now() - begun);
      return value;
    } catch (raw) {
      throw this.settleFailure(permit, raw, signal, begun, n);
    }
  }

  /** One attempt of a stream: open it and wait for its first item (or its end). */
  private async openAttempt<T>(fn: StreamAttemptFn<T>, guard: DeadlineSignal, n: number): Promise<OpenedStream<T>> {
    const permit = this.breaker.acquire();
    const begun = this.runtime.now();
    const signal = guard.signal;
    let iterator: AsyncIterator<T> | undefined;
    try {
      if (this.faults?.has(this.name) === true) await this.faults.apply(this.name, signal);
      iterator = fn(signal, n)[Symbol.asyncIterator]();
      const first = await guard.race(iterator.next());
      // Time to first item is the latency the slow-call rule judges for a stream.
      permit.success(this.runtime.now() - begun);
      return { iterator, first, permit };
    } catch (raw) {
      if (iterator !== undefined && signal.aborted) closeQuietly(iterator);
      throw this.settleFailure(permit, raw, signal, begun, n);
    }
  }

  /** Reports a failed attempt to the breaker and returns the error the caller should see (no signal: in-process work, never aborted). */
  private settleFailure(permit: BreakerPermit, raw: unknown, signal: AbortSignal | undefined, begun: number, n: number): unknown {
    const aborted = signal?.aborted === true;
    const err = aborted ? abortReasonToError(signal.reason) : raw;
    let kind = classifyOutcome(err);
    // A deadline the caller made very short is not the dependency's fault (see DEFAULT_TIMEOUT_FAILURE_MIN_MS).
    if (kind === 'failure' && aborted && this.runtime.now() - begun < this.policy.timeoutFailureMinMs) {
      kind = 'ignored';
    }
    if (kind === 'failure') {
      permit.failure();
      this.emitFailure(n, err);
    } else if (kind === 'success') {
      permit.success(this.runtime.now() - begun);
    } else {
      permit.ignore();
    }
    return err;
  }

  private retryOptions(options: ExecuteOptions, deadline: number, signal: AbortSignal): Parameters<typeof retry>[1] {
    return {
      policy: this.policy.retry,
      idempotent: options.idempotent === true,
      deadline,
      signal,
      budget: this.budget,
      canRetry: this.canRetry,
      onRetry: this.onRetry,
      runtime: this.runtime,
    };
  }

  private emitFailure(attempt: number, err: unknown): void {
    if (this.hub.has('failure')) this.hub.emit('failure', { name: this.name, attempt, code: errorCode(err) });
  }

  private emitOutcome(start: number, attempts: number, err: unknown): void {
    if (!this.hub.has('callOutcome')) return;
    this.hub.emit('callOutcome', {
      name: this.name,
      outcome: outcomeOf(err),
      durationMs: this.runtime.now() - start,
      attempts,
      code: errorCode(err),
    });
  }
}

/** Asks an iterator to clean up without waiting for it: a misbehaving source must not hang us. */
function closeQuietly(iterator: AsyncIterator<unknown>): void {
  if (iterator.return === undefined) return;
  Promise.resolve()
    .then(() => iterator.return?.())
    .catch(() => undefined);
}
