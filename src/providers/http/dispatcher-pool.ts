/**
 * ProviderDispatchers: one keep-alive undici Pool per provider origin, created on first use and
 * shared by every embedder and generator that talks to that origin. Their stats feed the
 * `/metrics/connection-pool` endpoint.
 *
 * Limits: each pool opens at most `connectionsPerHost` sockets, so one provider cannot take the
 * whole budget; all pools share one ConnectionBudget of `connections` sockets, enforced in the
 * connector (see connection-budget.ts), so the total never exceeds it however many origins exist.
 */
import { Pool, buildConnector } from 'undici';
import type { Config } from '../../config/config.js';
import {
  DEFAULT_HTTP_CONNECTIONS,
  DEFAULT_HTTP_CONNECTIONS_PER_HOST,
  DEFAULT_HTTP_CONNECT_TIMEOUT_MS,
  DEFAULT_HTTP_READ_TIMEOUT_MS,
} from '../../config/defaults.js';
import { RagdError } from '../../errors/ragd-error.js';
import { ConnectionBudget } from './connection-budget.js';

export interface ProviderDispatchersOptions {
  /** Most open sockets across all origins. Defaults to 100 (RAGD_HTTP_CONNECTIONS). */
  connections?: number;
  /** Most open sockets per origin. Defaults to 20 (RAGD_HTTP_CONNECTIONS_PER_HOST); clamped to `connections`. */
  connectionsPerHost?: number;
  /** TCP/TLS connect timeout, ms; also bounds the wait for a slot in the budget. Defaults to 10 s. */
  connectTimeoutMs?: number;
  /** Longest silence while waiting for headers or between body bytes, ms. Defaults to 30 s. */
  readTimeoutMs?: number;
  /**
   * Idle keep-alive socket lifetime, ms, when the server sends no hint. Defaults to 4 s (undici's
   * own default): short enough that idle sockets return their budget slot quickly.
   */
  keepAliveTimeoutMs?: number;
}

/** One row of `stats()`: undici's PoolStats for one origin. */
export interface PoolStatsEntry {
  origin: string;
  /** Open sockets. */
  connected: number;
  /** Open sockets with no request in flight. */
  free: number;
  /** Requests not yet sent (queued in the pool or its clients). */
  pending: number;
  /** Requests sent and awaiting or streaming a response. */
  running: number;
  /** pending + running. */
  size: number;
}

export class ProviderDispatchers {
  readonly connections: number;
  readonly connectionsPerHost: number;
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** The shared socket budget (exposed for metrics and tests). */
  readonly budget: ConnectionBudget;
  readonly #pools = new Map<string, Pool>();
  readonly #connector: buildConnector.connector;
  #closed = false;

  constructor(options: ProviderDispatchersOptions = {}) {
    this.connections = positive(options.connections ?? DEFAULT_HTTP_CONNECTIONS, 'connections');
    this.connectionsPerHost = Math.min(
      positive(options.connectionsPerHost ?? DEFAULT_HTTP_CONNECTIONS_PER_HOST, 'connectionsPerHost'),
      this.connections,
    );
    this.connectTimeoutMs = positive(options.connectTimeoutMs ?? DEFAULT_HTTP_CONNECT_TIMEOUT_MS, 'connectTimeoutMs');
    this.readTimeoutMs = positive(options.readTimeoutMs ?? DEFAULT_HTTP_READ_TIMEOUT_MS, 'readTimeoutMs');
    this.keepAliveTimeoutMs = positive(options.keepAliveTimeoutMs ?? 4_000, 'keepAliveTimeoutMs');
    this.budget = new ConnectionBudget(this.connections, this.connectTimeoutMs);
    this.#connector = this.budget.wrap(buildConnector({ timeout: this.connectTimeoutMs }));
  }

  /** Builds the dispatchers from the validated `http` config section. */
  static fromConfig(http: Config['http']): ProviderDispatchers {
    return new ProviderDispatchers({
      connections: http.connections,
      connectionsPerHost: http.connectionsPerHost,
      connectTimeoutMs: http.connectTimeoutMs,
      readTimeoutMs: http.readTimeoutMs,
    });
  }

  /**
   * The pool for `url`'s origin, created on first use.
   * @throws RagdError RAGD_ERR_SHUTTING_DOWN after `close()`; RAGD_ERR_CONFIG for a non-http(s) URL.
   */
  get(url: string | URL): Pool {
    if (this.#closed) throw new RagdError('RAGD_ERR_SHUTTING_DOWN', 'provider connections are closed');
    const { origin, protocol } = typeof url === 'string' ? new URL(url) : url;
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new RagdError('RAGD_ERR_CONFIG', `provider URL must be http or https, got ${protocol}`);
    }
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.connectionsPerHost,
        connect: this.#connector,
        headersTimeout: this.readTimeoutMs,
        bodyTimeout: this.readTimeoutMs,
        keepAliveTimeout: this.keepAliveTimeoutMs,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** A snapshot of every origin's pool, in creation order. */
  stats(): PoolStatsEntry[] {
    return [...this.#pools].map(([origin, pool]) => {
      const { connected, free, pending, running, size } = pool.stats;
      return { origin, connected, free, pending, running, size };
    });
  }

  /** Closes every pool, letting in-flight requests finish; waiting connects fail. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.budget.close();
    const pools = [...this.#pools.values()];
    await Promise.all(pools.map((pool) => (pool.closed ? undefined : pool.close())));
  }

  /** Destroys every pool and its sockets at once, failing in-flight requests. Idempotent. */
  async destroy(): Promise<void> {
    this.#closed = true;
    this.budget.close();
    const pools = [...this.#pools.values()];
    await Promise.all(pools.map((pool) => (pool.destroyed ? undefined : pool.destroy())));
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RagdError('RAGD_ERR_CONFIG', `http.${name} must be a positive number, got ${value}`);
  }
  return value;
}
