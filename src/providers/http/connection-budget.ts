/**
 * ConnectionBudget: the process-wide cap on open outbound sockets across every provider origin.
 *
 * undici caps connections per Pool (per origin) but has no cap across pools, so the budget wraps
 * the socket connector every pool uses: a socket is opened only while fewer than `limit` are open;
 * otherwise the connect waits (FIFO) for any socket, in any pool, to close. Idle keep-alive sockets
 * close after the pool's keep-alive timeout, so a waiting origin gets a slot within that time or
 * fails with undici's ConnectTimeoutError after `waitTimeoutMs` (treated as "provider unavailable").
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { type buildConnector, errors } from 'undici';

interface Waiter {
  grant: () => void;
  fail: (err: Error) => void;
}

/**
 * Counts open sockets and queues connects beyond `limit`.
 * Emits `queued` when a connect starts waiting and `released` when a socket closes.
 */
export class ConnectionBudget extends EventEmitter {
  readonly limit: number;
  readonly #waitTimeoutMs: number;
  #open = 0;
  #closed = false;
  readonly #waiters: Waiter[] = [];

  /**
   * @param limit Most sockets open at once across all wrapped connectors (at least 1).
   * @param waitTimeoutMs Longest a connect waits for a free slot before failing with
   *   `UND_ERR_CONNECT_TIMEOUT`; the connect timeout is the natural bound.
   */
  constructor(limit: number, waitTimeoutMs: number) {
    super();
    this.limit = Math.max(1, Math.floor(limit));
    this.#waitTimeoutMs = waitTimeoutMs;
  }

  /** Sockets currently open (or connecting) through this budget. */
  get open(): number {
    return this.#open;
  }

  /** Connects waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Returns a connector that opens sockets with `inner` only within the budget. */
  wrap(inner: buildConnector.connector): buildConnector.connector {
    return (options, callback) => {
      this.#acquire(
        () => this.#connect(inner, options, callback),
        (err) => callback(err, null),
      );
    };
  }

  /** Fails every waiting connect; later connects fail at once. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.fail(new errors.ClientDestroyedError());
    }
  }

  #connect(inner: buildConnector.connector, options: buildConnector.Options, callback: buildConnector.Callback): void {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#release();
    };
    try {
      inner(options, (err, socket) => {
        if (err !== null) {
          release();
          callback(err, null);
          return;
        }
        (socket as Socket).once('close', release);
        callback(null, socket);
      });
    } catch (err) {
      release();
      throw err;
    }
  }

  #acquire(grant: () => void, fail: (err: Error) => void): void {
    if (this.#closed) {
      fail(new errors.ClientDestroyedError());
      return;
    }
    if (this.#open < this.limit) {
      this.#open++;
      grant();
      return;
    }
    const waiter: Waiter = {
      grant: () => {
        clearTimeout(timer);
        grant();
      },
      fail: (err) => {
        clearTimeout(timer);
        fail(err);
      },
    };
    const timer = setTimeout(() => {
      const at = this.#waiters.indexOf(waiter);
      if (at >= 0) this.#waiters.splice(at, 1);
      fail(new errors.ConnectTimeoutError(`no outbound connection slot freed within ${this.#waitTimeoutMs} ms (limit ${this.limit})`));
    }, this.#waitTimeoutMs);
    timer.unref();
    this.#waiters.push(waiter);
    this.emit('queued');
  }

  #release(): void {
    const next = this.#waiters.shift();
    // The slot passes straight to the next waiter, so `open` stays the same.
    if (next !== undefined) next.grant();
    else this.#open--;
    this.emit('released');
  }
}
