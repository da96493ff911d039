/**
 * Where the process's JSON log lines go (stdout by default): each line is encoded into a pending
 * byte buffer as pino writes it, and the buffer is written in batches, every line of a batch in one
 * `write(2)`: a batch is written {@link DEFAULT_FLUSH_DELAY_MS} after its first line, or at once
 * when it reaches {@link DEFAULT_FLUSH_BYTES}. The request path only appends; a busy server writes
 * hundreds of lines per syscall.
 *
 * Why a timer rather than "once per event-loop turn" (setImmediate), which this did before: a
 * loaded server turns its loop thousands of times a second with a few requests each, so a write and
 * an immediate per turn cost ~12 µs per exact-cache-hit request in the observability bench (about
 * a sixth of the request; the line's formatting itself is ~1 µs), while a batch per timer costs
 * next to nothing per request (bench/README.md, "Observability overhead").
 *
 * Why 100 ms rather than 10 ms, which this did before: measured A/B on the exact-cache hit with
 * logs on (bench/README.md, "Tenth session"), the 10 ms timer firing ~90 times a second cost 4-8%
 * of the request's CPU against no timer at all, and 100 ms cost the same as none (within 1%); the
 * size bound (64 KB) writes a busy server's batches long before the timer anyway. The price is that
 * a line reaches stdout up to 100 ms after it was logged; nothing is lost on exit (below).
 *
 * Why each line is encoded into the buffer as it arrives, rather than appended to a pending string
 * written as one at the batch's end (which this did before): the pending string is a rope of
 * ropes (each line is itself built by concatenation) that V8 flattens, and `Buffer.byteLength`
 * then scans, only at the batch's end, by which time ~10 ms of a loaded server's other allocations
 * have pushed its pieces out of the CPU cache (and the young generation has copied some of them).
 * In the server's profile that flatten-and-scan was ~0.7 µs per exact-cache-hit request, a fifth of
 * what metrics and logging together add to it; encoding the line while it is still in cache, into
 * a buffer that is reused batch after batch, is one copy and leaves no garbage behind.
 *
 * Why not sonic-boom (pino.destination): in async mode its `write` recomputes `Buffer.byteLength`
 * of the whole pending chunk on every line (O(n²) bytes scanned per batch, ~30% of a line's cost
 * in a profile), and each batch is an `fs.write` through libuv's thread pool, which costs a thread
 * hand-off and wake-up per write; its sync mode is one syscall per line.
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
 * Log bytes waiting to be written, at most: 16 MiB, ~60,000 request lines, seconds of a stalled
 * reader at full load. Beyond it lines are dropped and counted in `dropped` rather than growing
 * memory without limit.
 */
export const DEFAULT_MAX_PENDING = 16 * 1024 * 1024;
/**
 * How long a batch waits for more lines before it is written: 100 ms, short next to anything a
 * person or a log shipper notices (log pipelines batch by seconds), and rare enough that the timer
 * costs nothing measurable per request (the file comment says what 10 ms cost).
 */
export const DEFAULT_FLUSH_DELAY_MS = 100;
/** A batch this large (bytes) is written at once rather than after the delay. */
export const DEFAULT_FLUSH_BYTES = 64 * 1024;
/**
 * Room the pending buffer has beyond `flushBytes`, so the line that fills a batch still fits in it:
 * 4 KiB, many access lines. A line that does not fit (a long error line, or lines piling up while
 * EAGAIN holds the batch back) seals the buffer and starts another.
 */
const BUFFER_SLACK_BYTES = 4096;
/** Wait before retrying a write refused with EAGAIN (a full non-blocking pipe): 10 ms. */
export const EAGAIN_RETRY_MS = 10;
/** `flushSync` retries EAGAIN this many times, EAGAIN_RETRY_MS apart, before giving up: ~1 s. */
const FLUSH_SYNC_MAX_RETRIES = 100;

/** The file-system call used (`fs.writeSync` of a buffer range); injectable so tests can exercise short writes and errors. */
export interface WriteSyncFs {
  writeSync(fd: number, buffer: Buffer, offset: number, length: number): number;
}

/** Writes one line straight into a LineDestination's buffer (see LineDestination.writeEncoded). */
export interface LineEncoder {
  /** Writes the line, newline included, at `offset`; returns the offset after it, or -1 to decline (what it wrote is ignored). */
  encodeInto(buf: Buffer, offset: number): number;
}

export interface LineDestinationOptions {
  /** File descriptor to write to. Defaults to 1 (stdout). */
  fd?: number;
  /** Defaults to {@link DEFAULT_MAX_PENDING}. */
  maxPending?: number;
  /** Defaults to `node:fs`. */
  fs?: WriteSyncFs;
  /** Runs the batch write later. Defaults to an unref'd `setTimeout` of DEFAULT_FLUSH_DELAY_MS. */
  schedule?: (fn: () => void) => void;
  /** A batch of this many UTF-16 units is written at once. Defaults to DEFAULT_FLUSH_BYTES. */
  flushBytes?: number;
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
  private readonly writeBuffer: (fd: number, buffer: Buffer, offset: number, length: number) => number;
  private readonly schedule: (fn: () => void) => void;
  private readonly flushBytes: number;
  private readonly retryLater: (fn: () => void, ms: number) => void;
  /** The batch being filled: `buffer[0, bufferUsed)`, reused after each write that takes it all. */
  private buffer: Buffer;
  private bufferUsed = 0;
  /** Earlier full buffers of this batch, in order (only when a line did not fit; see BUFFER_SLACK_BYTES). */
  private sealed: Buffer[] = [];
  /** Bytes of this batch: sealed buffers and the one being filled. */
  private pendingBytes = 0;
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
    this.writeBuffer = (fd, buffer, offset, length) => files.writeSync(fd, buffer, offset, length);
    this.schedule = options.schedule ?? ((fn) => setTimeout(fn, DEFAULT_FLUSH_DELAY_MS).unref());
    this.flushBytes = options.flushBytes ?? DEFAULT_FLUSH_BYTES;
    this.buffer = Buffer.allocUnsafe(this.flushBytes + BUFFER_SLACK_BYTES);
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
    // line.length is a lower bound on its bytes, so nothing past maxPending is ever encoded.
    if (this.refuses(line.length)) return false;
    // A UTF-16 unit is at most 3 bytes in UTF-8 (a surrogate pair, 2 units, is 4): room for that
    // means the line is never cut.
    this.makeRoom(line.length * 3);
    this.queued(this.buffer.write(line, this.bufferUsed, 'utf8'));
    return true;
  }

  /**
   * Queues one line that `encoder` writes straight into the pending buffer, in at most `maxBytes`
   * bytes (the access line: access-line-bytes.ts), so no string is built for it. `declined` when
   * the encoder declined (nothing is queued; the caller writes the line as a string instead);
   * `dropped` as `write` drops, with `maxBytes` counted against `maxPending`.
   */
  writeEncoded(maxBytes: number, encoder: LineEncoder): 'written' | 'dropped' | 'declined' {
    if (this.refuses(maxBytes)) return 'dropped';
    this.makeRoom(maxBytes);
    const end = encoder.encodeInto(this.buffer, this.bufferUsed);
    if (end < 0) return 'declined';
    this.queued(end - this.bufferUsed);
    return 'written';
  }

  /** True (and the line counted as dropped) when the destination failed or `bytes` more would pass maxPending. */
  private refuses(bytes: number): boolean {
    if (this.failed === undefined && this.pendingBytes + bytes + (this.leftover?.length ?? 0) <= this.maxPending) return false;
    this.dropped++;
    return true;
  }

  /** Makes sure the buffer being filled has `room` bytes free after `bufferUsed`. */
  private makeRoom(room: number): void {
    if (this.buffer.length - this.bufferUsed < room) this.seal(room);
  }

  /** Counts a line of `bytes` just written at `bufferUsed`, and writes or schedules the batch. */
  private queued(bytes: number): void {
    this.bufferUsed += bytes;
    this.pendingBytes += bytes;
    this.pendingLines++;
    if (this.leftover !== undefined) return; // an EAGAIN retry is pending; it writes these too
    // A full batch goes now (the scheduled write, if any, then finds less or nothing to do).
    if (this.pendingBytes >= this.flushBytes) this.writeAndSettle();
    else if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(this.onFlushDue);
    }
  }

  /** Calls `cb` once every line queued so far is written (or dropped). pino's `logger.flush(cb)` lands here. */
  flush(cb: (err?: Error) => void = () => {}): void {
    if (this.leftover === undefined && this.pendingBytes === 0) process.nextTick(cb, this.failed);
    else {
      this.waiters.push(cb);
      // Asked to flush: write now (on the next tick) rather than when the batch's delay is up.
      if (this.leftover === undefined) process.nextTick(this.onFlushNow);
    }
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

  private readonly onFlushDue = (): void => {
    this.scheduled = false;
    if (this.leftover === undefined) this.writeAndSettle();
  };

  private readonly onFlushNow = (): void => {
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
    if (this.pendingBytes === 0) return this.failed === undefined;
    const lines = this.pendingLines;
    this.pendingLines = 0;
    this.pendingBytes = 0;
    // The common case: the batch is the reused buffer, written straight from it. Only when a line
    // did not fit (see seal) is it several buffers, joined for one write.
    const reused = this.sealed.length === 0;
    const filled = this.buffer.subarray(0, this.bufferUsed);
    const batch = reused ? filled : Buffer.concat([...this.sealed, filled]);
    this.sealed = [];
    this.bufferUsed = 0;
    // A buffer grown for one long line goes back to the usual size rather than staying that large.
    const usual = this.flushBytes + BUFFER_SLACK_BYTES;
    if (!reused && this.buffer.length > usual) this.buffer = Buffer.allocUnsafe(usual);
    const rest = this.writeBytes(batch);
    if (this.failed !== undefined) {
      this.dropped += lines;
      return false;
    }
    if (rest === undefined) return true;
    // EAGAIN: the rest waits as leftover, copied out of the reused buffer, which takes new lines meanwhile.
    this.leftover = reused ? Buffer.from(rest) : rest;
    this.leftoverLines = lines;
    return false;
  }

  /** Keeps the filled part of the buffer as a sealed piece of the batch and starts a buffer with at least `room` bytes. */
  private seal(room: number): void {
    if (this.bufferUsed > 0) this.sealed.push(this.buffer.subarray(0, this.bufferUsed));
    this.buffer = Buffer.allocUnsafe(Math.max(room, this.flushBytes + BUFFER_SLACK_BYTES));
    this.bufferUsed = 0;
  }

  /** Writes `buf`; the part not written (EAGAIN or short write), or undefined when all was. */
  private writeBytes(buf: Buffer): Buffer | undefined {
    let rest = buf;
    while (rest.length > 0) {
      try {
        const n = this.writeBuffer(this.fd, rest, 0, rest.length);
        if (n <= 0) return rest; // no progress: kept, and retried like EAGAIN
        rest = rest.subarray(n);
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
    this.sealed = [];
    this.bufferUsed = 0;
    this.pendingBytes = 0;
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
