/**
 * The injectable sources of time and randomness every resilience component takes, so tests drive
 * breakers, budgets, backoff and deadlines with a fake clock instead of sleeping (as resilience4j
 * and cockatiel do). Production code uses `systemRuntime`.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Opaque handle returned by {@link Runtime.setTimeout}. */
export type TimerHandle = unknown;

export interface Runtime {
  /** Current time, epoch milliseconds. Deadlines are absolute values of this clock. */
  now(): number;
  /** Resolves after `ms`; rejects (with any error) as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real clock, real timers, `Math.random`. Globals are read at call time so `mock.timers` works. */
export const systemRuntime: Runtime = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? undefined : { signal }),
  random: () => Math.random(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Fills the parts of a runtime a caller did not inject with the system ones. */
export function withRuntime(partial: Partial<Runtime> | undefined): Runtime {
  return partial === undefined ? systemRuntime : { ...systemRuntime, ...partial };
}
