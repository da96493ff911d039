/**
 * Where the process's JSON log lines go (stdout by default): appended to a pending string as pino
 * writes them, and written once per event-loop turn, every line of the turn in one `write(2)`. The
 * request path only appends; a busy server writes tens of lines per syscall.
 *
 * Why not sonic-boom (pino.destination): in async mode its `write` recomputes `Buffer.byteLength`
 * of the whole pending chunk on every line (O(n²) bytes scanned per batch, ~30% of a line's cost
 * in a profile), and each batch is an `fs.write` through libuv's thread pool, which costs a thread
 * hand-off and wake-up per write; its sync mode is one syscall per line. Measured per line written
 * to /dev/null at 1, 4 and 16 lines per event-loop turn (bench/observability-micro.ts): sonic-boom
 * async ~8.4/3.8/2.5 µs of CPU, thread-pool batches ~4.3/1.2/0.7 µs, one write per turn
 * ~2.8/0.8/0.3 µs (an empty turn costs ~1.3/0.35/0.13 µs).
 *
 * Never stalls the event loop on a pipe: Node opens a stdout pipe non-blocking, so a full pipe (a
 * slow log reader) answers EAGAIN and the batch waits in memory, retried every 10 ms, bounded by
 * `maxPending` (beyond it lines are dropped and counted). A regular file is written through.
 *
 * Lines are not lost on exit or crash: `flushSync` runs on the process `exit` event, which Node
 * emits for `process.exit()`, uncaught exceptions and unhandled rejections alike. pino's
 * `logger.flush(cb)` calls {@link LineDestination.flush}.
 */
import fs from 'node:fs';

/**
 * Log text waiting to be written, at most (UTF-16 units, a lower bound on bytes): 16 MiB, ~60,000
 * request lines, seconds of a stalled reader at full load. Beyond it lines are dropped and counted
 * in `dropped` rather than growing memory without limit.
 */
export const DEFAULT_MAX_PENDING = 16 * 1024 * 1024;
/** Wait before retrying a write refused with EAGAIN (a full non-blocking pipe): 10 ms. */
export const EAGAIN_RETRY_MS = 10;
/** `flushSync` retries EAGAIN this many times, EAGAIN_RETRY_MS apart, before giving up: ~1 s. */
const FLUSH_SYNC_MAX_RETRIES = 100;

/** The file-system calls used (`fs.writeSync`'s two forms); injectable so tests can exercise short writes and errors. */
export interface WriteSyncFs {
  writeSync(fd: number, text: string): number;
  writeSync(fd: number, buffer: Buffer, offset: number, length: number): number;
}

export interface LineDestinationOptions {
  /** File descriptor to write to. Defaults to 1 (stdout). */
  fd?: number;
  /** Defaults to {@link DEFAULT_MAX_PENDING}. */
  maxPending?: number;
  /** Defaults to `node:fs`. */
  fs?: WriteSyncFs;
  /** Runs the batch write after the current turn. Defaults to `setImmediate`. */
  schedule?: (fn: () => void) => void;
  /** Runs a retry after EAGAIN, `ms` later. Defaults to an unref'd `setTimeout`. */
  retryLater?: (fn: () => void, ms: number) => void;
  /** Flush synchronously on process exit. Defaults to true. */
  flushOnExit?: boolean;
}

const flushedOnExit = new Set<LineDestination>();
let exitHookInstalled = false;

function flushAllOnExit(): void {
  for (const dest of flushedOnExit) dest.flushSync();
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

export class LineDestination {
  private readonly fd: number;
  private readonly maxPending: number;
  private readonly writeString: (fd: number, text: string) => number;
  private readonly writeBuffer: (fd: number, buffer: Buffer, offset: number, length: number) => number;
  private readonly schedule: (fn: () => void) => void;
  private readonly retryLater: (fn: () => void, ms: number) => void;
  private pending = '';
  private pendingLength = 0;
  private pendingLines = 0;
  /** Bytes a write left over after EAGAIN or a partial write; written before anything pending. */
  private leftover: Buffer | undefined;
  private leftoverLines = 0;
  private scheduled = false;
  private waiters: ((err?: Error) => void)[] = [];
  /** Set after a write error other than EAGAIN (e.g. EPIPE: nobody reads stdout any more); lines are then dropped. */
  private failed: Error | undefined;
  /** Lines dropped because `maxPending` was reached or the destination failed. */
  dropped = 0;

  constructor(options: LineDestinationOptions = {}) {
    this.fd = options.fd ?? 1;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    const files = options.fs ?? fs;
    this.writeString = (fd, text) => files.writeSync(fd, text);
    this.writeBuffer = (fd, buffer, offset, length) => files.writeSync(fd, buffer, offset, length);
    this.schedule = options.schedule ?? setImmediate;
    this.retryLater = options.retryLater ?? ((fn, ms) => setTimeout(fn, ms).unref());
    if (options.flushOnExit ?? true) {
      flushedOnExit.add(this);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.once('exit', flushAllOnExit);
      }
    }
  }

  /** The error that stopped writing, if any. */
  get error(): Error | undefined {
    return this.failed;
  }

  /** Queues one line (pino passes it with its trailing newline). False when it was dropped. */
  write(line: string): boolean {
    if (this.failed !== undefined || this.pendingLength + line.length + (this.leftover?.length ?? 0) > this.maxPending) {
      this.dropped++;
      return false;
    }
    this.pending += line;
    this.pendingLength += line.length;
    this.pendingLines++;
    if (!this.scheduled && this.leftover === undefined) {
      this.scheduled = true;
      this.schedule(this.onTurnEnd);
    }
    return true;
  }

  /** Calls `cb` once every line queued so far is written (or dropped). pino's `logger.flush(cb)` lands here. */
  flush(cb: (err?: Error) => void = () => {}): void {
    if (this.leftover === undefined && this.pendingLength === 0) process.nextTick(cb, this.failed);
    else this.waiters.push(cb);
  }

  /** Writes everything queued now, waiting out EAGAIN (up to ~1 s). For process exit. */
  flushSync(): void {
    for (let retries = 0; !this.drain(); retries++) {
      if (this.failed !== undefined || retries >= FLUSH_SYNC_MAX_RETRIES) return;
      Atomics.wait(sleepCell, 0, 0, EAGAIN_RETRY_MS);
    }
  }

  /** Stops flushing this destination on exit. */
  close(): void {
    flushedOnExit.delete(this);
  }

  private readonly onTurnEnd = (): void => {
    this.scheduled = false;
    if (this.leftover === undefined) this.writeAndSettle();
  };

  private readonly onRetry = (): void => this.writeAndSettle();

  private writeAndSettle(): void {
    if (this.drain()) return this.settle();
    if (this.failed !== undefined) return this.settle();
    this.retryLater(this.onRetry, EAGAIN_RETRY_MS);
  }

  /**
   * Writes the leftover, then everything pending, until done (true) or the fd refuses more
   * (EAGAIN: false, the rest kept as leftover) or fails (false, `failed` set, everything dropped).
   */
  private drain(): boolean {
    if (this.failed !== undefined) return false;
    if (this.leftover !== undefined) {
      const rest = this.writeBytes(this.leftover);
      this.leftover = rest;
      if (rest !== undefined) return false;
      this.leftoverLines = 0;
    }
    if (this.pendingLength === 0) return this.failed === undefined;
    const text = this.pending;
    const lines = this.pendingLines;
    this.pending = '';
    this.pendingLength = 0;
    this.pendingLines = 0;
    // The string goes to the kernel as is (Node encodes it without a JS Buffer); only a write that
    // falls short needs the bytes, to resume exactly where it stopped.
    const bytes = Buffer.byteLength(text, 'utf8');
    let written: number;
    try {
      written = this.writeString(this.fd, text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return this.fail(err as Error, lines);
      this.leftover = Buffer.from(text, 'utf8');
      this.leftoverLines = lines;
      return false;
    }
    if (written >= bytes) return true;
    // A short write: the fd may take more right away (a file, a pipe with room again).
    this.leftover = Buffer.from(text, 'utf8').subarray(written);
    this.leftoverLines = lines;
    return this.drain();
  }

  /** Writes `buf`; the part not written (EAGAIN or short write), or undefined when all was. */
  private writeBytes(buf: Buffer): Buffer | undefined {
    let rest = buf;
    while (rest.length > 0) {
      try {
        rest = rest.subarray(this.writeBuffer(this.fd, rest, 0, rest.length));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.fail(err as Error, 0);
          return undefined;
        }
        return rest;
      }
    }
    return undefined;
  }

  private fail(err: Error, inFlightLines: number): false {
    this.failed = err;
    this.dropped += inFlightLines + this.pendingLines + this.leftoverLines;
    this.pending = '';
    this.pendingLength = 0;
    this.pendingLines = 0;
    this.leftover = undefined;
    this.leftoverLines = 0;
    flushedOnExit.delete(this);
    return false;
  }

  private settle(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const cb of waiters) cb(this.failed);
  }
}
