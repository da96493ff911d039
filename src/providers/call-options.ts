import type { TraceSpan } from '../observability/tracing-types.js';

/** Options every outbound call takes (architecture rule 3): an AbortSignal and an absolute deadline. */
export interface CallOptions {
  /** Aborted when the client disconnects or the request deadline passes. */
  signal: AbortSignal;
  /** Absolute deadline, epoch milliseconds. Providers must not wait past it. */
  deadline?: number;
  /**
   * Whether the call is already aborted, without reading `signal` (the abort reason, or undefined).
   * In-process work checks this instead, so a lazily made `signal` is never made for it.
   */
  abortedReason?: (() => unknown) | undefined;
  /** The span the call belongs to; a traced provider call's client span nests under it. */
  parentSpan?: TraceSpan | undefined;
}
