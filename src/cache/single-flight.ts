/**
 * SingleFlight: concurrent calls for the same key share one execution (Go's
 * golang.org/x/sync/singleflight). Every caller gets the same result or the same error; the key is
 * forgotten as soon as the call settles, so the next call runs afresh. Hand-written because it is a
 * dozen lines and the npm candidates add nothing but a dependency.
 */
export class SingleFlight<V> {
  private readonly inflight = new Map<string, Promise<V>>();

  /** Runs `fn` unless a call for `key` is already in flight, in which case it joins that one. */
  do(key: string, fn: () => Promise<V>): Promise<V> {
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    const promise = (async () => {
      try {
        return await fn();
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, promise);
    return promise;
  }

  /** True while a call for `key` is in flight. */
  has(key: string): boolean {
    return this.inflight.has(key);
  }

  /** Calls in flight now. */
  get size(): number {
    return this.inflight.size;
  }
}
