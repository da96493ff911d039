/**
 * The typed events the resilience layer publishes for the metrics and logging layers to subscribe
 * to. One hub per registry; every pipeline in it emits into the hub. Emission is synchronous and
 * listener errors never reach the call path (see emitter.ts).
 */
import type { ErrorCode } from '../errors/registry.js';
import type { StateChange } from './circuit-breaker.js';
import { isRagdError } from '../errors/ragd-error.js';
import { classifyOutcome } from './classify.js';
import { SafeEmitter, type Listener, type Unsubscribe } from './emitter.js';

/**
 * How a call through a pipeline ended, as a low-cardinality metrics label:
 * `success`; `failure` (the dependency failed); `timeout` (deadline hit); `circuit_open` and
 * `bulkhead_full` (refused by us); `cancelled` (the caller went away or stopped reading a stream);
 * `client_error` (an error that is not the dependency's fault, such as a provider's 4xx).
 */
export type CallOutcome = 'success' | 'failure' | 'timeout' | 'circuit_open' | 'bulkhead_full' | 'cancelled' | 'client_error';

export interface ResilienceEventMap {
  /** A breaker changed state; emitted once per transition. */
  stateChange: StateChange;
  /** An attempt failed in a way that counts against the dependency. */
  failure: { name: string; attempt: number; code: ErrorCode | undefined };
  /** A retry is about to wait `delayMs` and then start attempt `attempt`. */
  retry: { name: string; attempt: number; delayMs: number; code: ErrorCode | undefined };
  /** The bulkhead refused a call (slots and queue full). */
  bulkheadRejected: { name: string };
  /** A call (all its attempts) ended. `durationMs` includes queueing and backoff. */
  callOutcome: { name: string; outcome: CallOutcome; durationMs: number; attempts: number; code: ErrorCode | undefined };
  /** A fallback moved past a provider (`from`) because of `code`. */
  fallback: { from: string; to: string; code: ErrorCode | undefined };
}

export type ResilienceEventType = keyof ResilienceEventMap;

/** The subscribe side, handed to metrics and logging. */
export interface ResilienceEvents {
  on<K extends ResilienceEventType>(type: K, listener: Listener<ResilienceEventMap[K]>): Unsubscribe;
}

export class ResilienceEventHub implements ResilienceEvents {
  private readonly emitters: { [K in ResilienceEventType]: SafeEmitter<ResilienceEventMap[K]> };

  constructor(onListenerError?: (err: unknown) => void) {
    this.emitters = {
      stateChange: new SafeEmitter(onListenerError),
      failure: new SafeEmitter(onListenerError),
      retry: new SafeEmitter(onListenerError),
      bulkheadRejected: new SafeEmitter(onListenerError),
      callOutcome: new SafeEmitter(onListenerError),
      fallback: new SafeEmitter(onListenerError),
    };
  }

  on<K extends ResilienceEventType>(type: K, listener: Listener<ResilienceEventMap[K]>): Unsubscribe {
    return (this.emitters[type] as SafeEmitter<ResilienceEventMap[K]>).on(listener);
  }

  /** Whether anyone listens, so emitters can skip building the event object on hot paths. */
  has(type: ResilienceEventType): boolean {
    return this.emitters[type].size > 0;
  }

  emit<K extends ResilienceEventType>(type: K, event: ResilienceEventMap[K]): void {
    (this.emitters[type] as SafeEmitter<ResilienceEventMap[K]>).emit(event);
  }
}

/** Maps how a call ended to its {@link CallOutcome}. */
export function outcomeOf(err: unknown): CallOutcome {
  if (err === undefined) return 'success';
  if (isRagdError(err)) {
    switch (err.code) {
      case 'RAGD_ERR_TIMEOUT':
        return 'timeout';
      case 'RAGD_ERR_CIRCUIT_OPEN':
        return 'circuit_open';
      case 'RAGD_ERR_BULKHEAD_FULL':
        return 'bulkhead_full';
      case 'RAGD_ERR_CLIENT_CLOSED':
        return 'cancelled';
      default:
        break;
    }
  }
  return classifyOutcome(err) === 'failure' ? 'failure' : 'client_error';
}
