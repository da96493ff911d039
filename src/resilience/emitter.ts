/**
 * A minimal typed event emitter whose listeners cannot break the code that emits.
 *
 * Hand-written instead of cockatiel's `EventEmitter` because that one calls listeners in a bare
 * loop: a throwing listener (a metrics or logging bug) would skip the remaining listeners and throw
 * into the breaker's transition or the caller's request. Here each listener is isolated and its
 * error is reported to `onListenerError` (default: `process.emitWarning`).
 */

/** Removes the listener it was returned for; calling it twice is harmless. */
export type Unsubscribe = () => void;

export type Listener<T> = (event: T) => void;

function warn(err: unknown): void {
  process.emitWarning(err instanceof Error ? err : new Error(String(err)), { code: 'RAGD_LISTENER_ERROR' });
}

export class SafeEmitter<T> {
  private listeners: Array<Listener<T>> = [];

  constructor(private readonly onListenerError: (err: unknown) => void = warn) {}

  /** Number of listeners, so emitters can skip building events nobody reads. */
  get size(): number {
    return this.listeners.length;
  }

  on(listener: Listener<T>): Unsubscribe {
    // Copy on write: an emit in progress keeps iterating the array it started with.
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: T): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
