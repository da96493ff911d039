/**
 * Runs each step of an async iterator inside a span. An async generator's body runs in the async
 * context of whoever calls `next()`, not of where it was created, so a provider call made inside
 * `generator.stream()` would otherwise be parented to the consumer's span (the server span) rather
 * than to `rag.generate`. Wrapping the iterable makes every step, and so every span started in the
 * body, a child of `span`.
 */
import type { TraceSpan } from './tracing-types.js';

/**
 * Iterates `source` with each `next()` (and the final `return()`) run inside `span`. Only useful
 * with implicit context: otherwise (and with tracing off) `span.run` is a plain call, so pass the
 * span as the calls' `parentSpan` instead and skip the extra generator frame per step.
 *
 * @example
 * const span = tracing.startSpan(SPAN_NAMES.generate);
 * try {
 *   for await (const ev of iterateInSpan(span, generator.stream(input, call))) yield ev;
 * } catch (err) { span.fail(err); throw err; } finally { span.end(); }
 */
export async function* iterateInSpan<T>(span: TraceSpan, source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const it = span.run(() => source[Symbol.asyncIterator]());
  let done = false;
  try {
    for (;;) {
      const step = await span.run(() => it.next());
      if (step.done) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // Stopped early (consumer broke out or threw): let the source release what it holds.
    if (!done && it.return) await span.run(() => it.return!());
  }
}
