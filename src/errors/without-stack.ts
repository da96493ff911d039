/**
 * Builds an error without capturing a stack trace. For errors that are control flow or routine
 * refusals on a hot path (an open breaker, a semantic-cache hit passed up through single-flight):
 * the capture costs several µs (more for deeper async stacks) and the trace says nothing, since such
 * an error is always raised from the same line and carries what a reader needs in its fields.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
