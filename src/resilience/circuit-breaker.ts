/**
 * Circuit breaker for one dependency. CLOSED -> OPEN after `failureThreshold` consecutive failures
 * (or, optionally, when the failure rate over a count-based window passes a threshold, where a
 * call slower than `slowCallMs` counts as failed); OPEN rejects calls with RAGD_ERR_CIRCUIT_OPEN for
 * `openMs` (optionally growing on each consecutive re-open, capped); HALF_OPEN admits at most
 * `halfOpenMaxTrials` trial calls at once; `successThreshold` consecutive trial successes close it
 * and any trial failure re-opens it.
 *
 * The state machine is hand-written because cockatiel's `CircuitBreakerPolicy` reads `Date.now()`
 * (no injectable clock), admits exactly one trial and closes on its first success (no "N
 * consecutive successes" rule, no trial limit > 1) and has no slow-call rule. Its `CountBreaker`
 * is reused as the failure-rate window, with its semantics: the rate is checked when a failure (or
 * slow call) is recorded, and must exceed the threshold strictly. Transitions are lazy: OPEN becomes HALF_OPEN on the first
 * look (a call, `state`, `snapshot()`) after the wait, not on a timer.
 *
 * Every permit remembers the state epoch it was granted in; an outcome reported after the state
 * changed counts in the totals but cannot move the state machine (a slow call admitted while
 * CLOSED must not close a HALF_OPEN breaker).
 */
import { CircuitState as CockatielState, CountBreaker } from 'cockatiel';
import { RagdError } from '../errors/ragd-error.js';
import {
  DEFAULT_BREAKER_FAILURE_THRESHOLD,
  DEFAULT_BREAKER_HALF_OPEN_MAX_TRIALS,
  DEFAULT_BREAKER_MAX_OPEN_MS,
  DEFAULT_BREAKER_OPEN_MS,
  DEFAULT_BREAKER_OPEN_MULTIPLIER,
  DEFAULT_BREAKER_SUCCESS_THRESHOLD,
} from './defaults.js';
import { SafeEmitter, type Listener, type Unsubscribe } from './emitter.js';
import { refusal } from './refusal.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface FailureRateOptions {
  /** Failure rate in (0, 1) that opens the breaker when exceeded. Suggested 0.5. */
  threshold: number;
  /** Most recent calls the rate is computed over. Suggested 20. */
  windowSize: number;
  /** Calls the window must hold before the rate may open the breaker (1..windowSize). Suggested 10. */
  minimumCalls: number;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed breaker. Defaults to 5. */
  failureThreshold: number;
  /** First open period, in ms. Defaults to 60 s. */
  openMs: number;
  /** Growth of the open period per consecutive re-open. Defaults to 1 (constant). */
  openMultiplier: number;
  /** Ceiling of the open period, in ms. Defaults to 10 min. */
  maxOpenMs: number;
  /** Trial calls running at once in HALF_OPEN. Defaults to 1. */
  halfOpenMaxTrials: number;
  /** Consecutive trial successes that close the breaker. Defaults to 3. */
  successThreshold: number;
  /** Failure-rate mode; off when undefined (the default). */
  failureRate?: FailureRateOptions | undefined;
  /**
   * A successful call slower than this, in ms, counts as a failure in the failure-rate window, and
   * re-opens a HALF_OPEN breaker. Requires `failureRate`. Off when undefined (the default).
   */
  slowCallMs?: number | undefined;
}

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerOptions = {
  failureThreshold: DEFAULT_BREAKER_FAILURE_THRESHOLD,
  openMs: DEFAULT_BREAKER_OPEN_MS,
  openMultiplier: DEFAULT_BREAKER_OPEN_MULTIPLIER,
  maxOpenMs: DEFAULT_BREAKER_MAX_OPEN_MS,
  halfOpenMaxTrials: DEFAULT_BREAKER_HALF_OPEN_MAX_TRIALS,
  successThreshold: DEFAULT_BREAKER_SUCCESS_THRESHOLD,
};

export interface StateChange {
  name: string;
  from: CircuitState;
  to: CircuitState;
  /** Epoch ms of the transition. */
  at: number;
}

export interface BreakerSnapshot {
  name: string;
  state: CircuitState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  totals: { calls: number; successes: number; failures: number; rejections: number };
  /** Epoch ms of the last transition (creation time before the first). */
  lastTransitionAt: number;
  /** Epoch ms when an OPEN breaker starts admitting trials; null unless OPEN. */
  openUntil: number | null;
  /** Trial calls running now (HALF_OPEN only). */
  trialsInFlight: number;
}

/** The right to make one call. Report exactly one outcome; later reports are ignored. */
export interface BreakerPermit {
  /** The call succeeded in `durationMs` (compared with `slowCallMs`). */
  success(durationMs?: number): void;
  /** The call failed in a way that counts against the dependency. */
  failure(): void;
  /** The outcome says nothing about the dependency (the caller went away, a 4xx we caused). */
  ignore(): void;
  /**
   * After `success()`: the call's stream broke later. Counts as a failure if the breaker is still in
   * the state it was in when the permit was granted.
   */
  lateFailure(): void;
}

type Outcome = 'success' | 'failure' | 'ignore';
type RecordOutcome = (epoch: number, releaseTrial: boolean, outcome: Outcome, durationMs: number) => void;

class Permit implements BreakerPermit {
  private settled: Outcome | undefined;
  private late = false;

  constructor(
    private readonly record: RecordOutcome,
    private readonly epoch: number,
    private readonly trial: boolean,
  ) {}

  success(durationMs = 0): void {
    this.settle('success', durationMs);
  }

  failure(): void {
    this.settle('failure', 0);
  }

  ignore(): void {
    this.settle('ignore', 0);
  }

  lateFailure(): void {
    if (this.settled !== 'success' || this.late) return;
    this.late = true;
    // The trial slot was already given back by success(), so do not release it again.
    this.record(this.epoch, false, 'failure', 0);
  }

  private settle(outcome: Outcome, durationMs: number): void {
    if (this.settled !== undefined) return;
    this.settled = outcome;
    this.record(this.epoch, this.trial, outcome, durationMs);
  }
}

function invalid(name: string, message: string): RagdError {
  return new RagdError('RAGD_ERR_CONFIG', `Circuit breaker ${name}: ${message}`);
}

function validate(name: string, o: CircuitBreakerOptions): void {
  const positiveInt = (v: number): boolean => Number.isSafeInteger(v) && v >= 1;
  if (!positiveInt(o.failureThreshold)) throw invalid(name, 'failureThreshold must be a positive integer');
  if (!positiveInt(o.successThreshold)) throw invalid(name, 'successThreshold must be a positive integer');
  if (!positiveInt(o.halfOpenMaxTrials)) throw invalid(name, 'halfOpenMaxTrials must be a positive integer');
  if (!(o.openMs > 0) || !(o.maxOpenMs >= o.openMs)) throw invalid(name, 'need 0 < openMs <= maxOpenMs');
  if (!(o.openMultiplier >= 1)) throw invalid(name, 'openMultiplier must be >= 1');
  const rate = o.failureRate;
  if (rate !== undefined) {
    if (!(rate.threshold > 0 && rate.threshold < 1)) throw invalid(name, 'failureRate.threshold must be in (0, 1)');
    if (!positiveInt(rate.windowSize)) throw invalid(name, 'failureRate.windowSize must be a positive integer');
    if (!positiveInt(rate.minimumCalls) || rate.minimumCalls > rate.windowSize) {
      throw invalid(name, 'failureRate.minimumCalls must be an integer in 1..windowSize');
    }
  }
  if (o.slowCallMs !== undefined && (rate === undefined || !(o.slowCallMs > 0))) {
    throw invalid(name, 'slowCallMs must be positive and needs failureRate');
  }
}

export class CircuitBreaker {
  private current: CircuitState = 'closed';
  /** Bumped on every transition; permits from an older epoch cannot move the state machine. */
  private epoch = 0;
  private consecutiveFailures = 0;
  private consecutiveSuccesses = 0;
  private trialsInFlight = 0;
  /** Consecutive re-opens from HALF_OPEN, which grow the open period. */
  private reopenStreak = 0;
  private openUntil = 0;
  private lastTransitionAt: number;
  private rateWindow: CountBreaker | undefined;
  private readonly totals = { calls: 0, successes: 0, failures: 0, rejections: 0 };
  private readonly changes = new SafeEmitter<StateChange>();
  /** The rejection message, built once: every call refused while OPEN carries it. */
  private readonly openMessage: string;

  constructor(
    readonly name: string,
    private readonly options: CircuitBreakerOptions = DEFAULT_CIRCUIT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {
    validate(name, options);
    this.openMessage = `Circuit breaker for ${name} is open`;
    this.lastTransitionAt = now();
    this.rateWindow = this.newRateWindow();
  }

  /** The current state (moves OPEN to HALF_OPEN if the wait has passed). */
  get state(): CircuitState {
    this.refresh();
    return this.current;
  }

  /** Subscribes to transitions; each is emitted exactly once, after the state has changed. */
  onStateChange(listener: Listener<StateChange>): Unsubscribe {
    return this.changes.on(listener);
  }

  /** Whether a call made now would be admitted. Has no effect on the totals. */
  wouldAdmit(): boolean {
    this.refresh();
    if (this.current === 'closed') return true;
    return this.current === 'half_open' && this.trialsInFlight < this.options.halfOpenMaxTrials;
  }

  /**
   * Throws the rejection `acquire()` would throw, without taking a permit (a cheap check before
   * queueing for a bulkhead slot).
   * @throws RagdError RAGD_ERR_CIRCUIT_OPEN
   */
  assertAdmits(): void {
    if (!this.wouldAdmit()) throw this.rejection();
  }

  /**
   * The rejection `assertAdmits()` would throw (counted as one), returned instead of thrown;
   * undefined when a call would be admitted. For callers that can skip setting up a refused call.
   */
  refusal(): RagdError | undefined {
    return this.wouldAdmit() ? undefined : this.rejection();
  }

  /**
   * Takes a permit for one call.
   * @throws RagdError RAGD_ERR_CIRCUIT_OPEN with `retryAfterSeconds` = seconds until HALF_OPEN
   *   (at least 1) and `details.dependency`.
   */
  acquire(): BreakerPermit {
    if (!this.wouldAdmit()) throw this.rejection();
    const trial = this.current === 'half_open';
    if (trial) this.trialsInFlight += 1;
    this.totals.calls += 1;
    return new Permit(this.recordOutcome, this.epoch, trial);
  }

  snapshot(): BreakerSnapshot {
    this.refresh();
    return {
      name: this.name,
      state: this.current,
      consecutiveFailures: this.consecutiveFailures,
      consecutiveSuccesses: this.consecutiveSuccesses,
      totals: { ...this.totals },
      lastTransitionAt: this.lastTransitionAt,
      openUntil: this.current === 'open' ? this.openUntil : null,
      trialsInFlight: this.trialsInFlight,
    };
  }

  /** Bound once, so a permit is one small object and no closures per call. */
  private readonly recordOutcome: RecordOutcome = (epoch, releaseTrial, outcome, durationMs) =>
    this.record(epoch, releaseTrial, outcome, durationMs);

  private record(epoch: number, releaseTrial: boolean, outcome: Outcome, durationMs: number): void {
    if (outcome === 'success') this.totals.successes += 1;
    else if (outcome === 'failure') this.totals.failures += 1;
    if (epoch !== this.epoch) return;
    if (releaseTrial) this.trialsInFlight -= 1;
    if (outcome === 'ignore') return;
    const slow = this.options.slowCallMs !== undefined && durationMs > this.options.slowCallMs;
    if (outcome === 'success') {
      this.consecutiveFailures = 0;
      this.consecutiveSuccesses += 1;
      if (this.current === 'half_open') {
        if (slow) this.transition('open');
        else if (this.consecutiveSuccesses >= this.options.successThreshold) this.transition('closed');
        return;
      }
      if (slow) {
        if (this.rateWindow?.failure(CockatielState.Closed) === true) this.transition('open');
      } else {
        this.rateWindow?.success(CockatielState.Closed);
      }
      return;
    }
    this.consecutiveSuccesses = 0;
    this.consecutiveFailures += 1;
    if (this.current === 'half_open') {
      this.transition('open');
      return;
    }
    const rateTripped = this.rateWindow?.failure(CockatielState.Closed) === true;
    if (rateTripped || this.consecutiveFailures >= this.options.failureThreshold) this.transition('open');
  }

  private refresh(): void {
    if (this.current === 'open' && this.now() >= this.openUntil) this.transition('half_open');
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    const at = this.now();
    this.current = to;
    this.epoch += 1;
    this.lastTransitionAt = at;
    this.trialsInFlight = 0;
    if (to === 'open') {
      this.reopenStreak = from === 'half_open' ? this.reopenStreak + 1 : 0;
      const grown = this.options.openMs * this.options.openMultiplier ** this.reopenStreak;
      this.openUntil = at + Math.min(this.options.maxOpenMs, grown);
    } else if (to === 'half_open') {
      this.consecutiveSuccesses = 0;
    } else {
      this.reopenStreak = 0;
      this.consecutiveFailures = 0;
      this.rateWindow = this.newRateWindow();
    }
    this.changes.emit({ name: this.name, from, to, at });
  }

  private rejection(): RagdError {
    this.totals.rejections += 1;
    const waitMs = this.current === 'open' ? this.openUntil - this.now() : 0;
    return refusal('RAGD_ERR_CIRCUIT_OPEN', this.openMessage, {
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      details: { dependency: this.name },
    });
  }

  private newRateWindow(): CountBreaker | undefined {
    const rate = this.options.failureRate;
    if (rate === undefined) return undefined;
    return new CountBreaker({ threshold: rate.threshold, size: rate.windowSize, minimumNumberOfCalls: rate.minimumCalls });
  }
}
