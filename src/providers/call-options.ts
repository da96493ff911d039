import type { TraceSpan } from '../observability/tracing-types.js';

/** Options every outbound call takes (architecture rule 3): an AbortSignal and an absolute deadline. */
export interface CallOptions {
  /** Aborted when the client disconnects or the request deadline passes. */
  signal: AbortSignal;
  /** Absolute deadline, epoch milliseconds. Providers must not wait past it. */
  deadline?: number;
  /** The span the call belongs to; a traced provider call's client span nests under it. */
  parentSpan?: TraceSpan | undefined;
}
