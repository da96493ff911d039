/**
 * Opening a stream: wait for its first item before committing to it. Until the first item arrives
 * a failure is still an ordinary error (an HTTP status, a retry, a fallback); after it, the
 * response has started and failures must travel in the stream.
 */

/** A stream whose first item has already arrived; iterate it once. `return()` closes the source. */
export class OpenedStream<T> implements AsyncIterableIterator<T> {
  private pending: IteratorResult<T> | undefined;

  constructor(
    first: IteratorResult<T>,
    private readonly source: AsyncIterator<T>,
  ) {
    this.pending = first;
  }

  /** True when the source ended without yielding anything. */
  get empty(): boolean {
    return this.pending?.done === true;
  }

  next(): Promise<IteratorResult<T>> {
    const first = this.pending;
    if (first !== undefined) {
      this.pending = undefined;
      return Promise.resolve(first);
    }
    return this.source.next();
  }

  /** Closes the source (also when the consumer never started iterating). */
  return(value?: unknown): Promise<IteratorResult<T>> {
    const wasDone = this.pending?.done === true;
    this.pending = undefined;
    if (wasDone || this.source.return === undefined) return Promise.resolve({ done: true, value: value as T });
    return this.source.return(value);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Starts `source` and resolves once its first item (or its end) arrives; rejects with the error
 * raised before that. Callers must iterate the result to its end or call `return()` on it, or the
 * source keeps its resources (bulkhead slot, deadline timer) until the deadline.
 */
export async function openStream<T>(source: AsyncIterable<T>): Promise<OpenedStream<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  return new OpenedStream(first, iterator);
}
