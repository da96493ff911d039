/**
 * A virtual clock for resilience tests: `now()` only moves when a test calls `advance()` or code
 * under test calls `sleep()`, and timers fire in order as the clock passes them. No real waiting.
 */
import type { Runtime } from '../../src/resilience/clock.js';

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeRuntime implements Runtime {
  /** Every `sleep` duration requested, in order. */
  readonly sleeps: number[] = [];
  private t: number;
  private readonly timers = new Map<number, FakeTimer>();
  private seq = 0;
  private randomSource: () => number;

  constructor(start = 1_000_000, random: number | (() => number) = 0.5) {
    this.t = start;
    this.randomSource = typeof random === 'number' ? () => random : random;
  }

  readonly now = (): number => this.t;
  readonly random = (): number => this.randomSource();

  setRandom(random: number | (() => number)): void {
    this.randomSource = typeof random === 'number' ? () => random : random;
  }

  readonly setTimeout = (fn: () => void, ms: number): number => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  /** Timers scheduled and neither fired nor cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves the clock forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      let next: [number, FakeTimer] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq))) {
          next = entry;
        }
      }
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = target;
  }

  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    if (signal?.aborted) throw signal.reason;
    this.advance(ms);
    if (signal?.aborted) throw signal.reason;
  };
}

/** Lets every pending promise callback run: the microtask queue drains before `setImmediate` fires. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
