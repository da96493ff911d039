/**
 * Starts ragd: validated config -> runtime (store, indexes, providers) -> HTTP app -> listen, and
 * installs graceful shutdown: on SIGTERM/SIGINT readiness goes false, new requests get 503, in-flight
 * requests get up to the grace period to finish, indexes are snapshotted, the store is closed, and
 * the process exits 0.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { Runtime, type RuntimeOptions } from '../runtime.js';
import { checkBindPolicy } from '../auth/bind-policy.js';
import { RagdError } from '../errors/ragd-error.js';
import { buildApp } from './app.js';
import { createEdge, type Edge } from './edge.js';


/** How often the drain checks whether in-flight requests have finished. */
const DRAIN_POLL_MS = 25;

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  url: string;
  close(): Promise<void>;
}

/** `runtimeOptions` go to the Runtime (tests inject tracing with an in-memory exporter). */
export async function startServer(config: Config, log: Logger, runtimeOptions: RuntimeOptions = {}): Promise<RunningServer> {
  const t0 = performance.now();
  const runtime = new Runtime(config, log, runtimeOptions);
  let edge: Edge | undefined;
  let report: Awaited<ReturnType<Runtime['start']>>;
  let app: FastifyInstance;
  try {
    edge = await createEdge(config, { log, metrics: runtime.metrics });
    enforceBindPolicy(config, edge, log);
    report = await runtime.start();
    app = await buildApp(runtime, edge);
  } catch (err) {
    await edge?.close();
    await runtime.close();
    throw err;
  }
  const ownEdge = edge;
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  log.info(
    { url, address, dataDir: config.dataDir, embedder: runtime.embedder.kind, generator: runtime.generator.kind, auth: ownEdge.authEnabled ? 'on' : 'off', rateLimits: ownEdge.rateLimit ? ownEdge.limiterStore : 'off', indexes: report, startupMs: Math.round(performance.now() - t0) },
    'ragd listening',
  );
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Drain: readiness is now false and new requests get 503 while in-flight ones finish.
      runtime.shuttingDown = true;
      const drainUntil = Date.now() + config.shutdownGraceMs;
      while (app.inFlight() > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
      const timer = setTimeout(() => {
        log.warn({ graceMs: config.shutdownGraceMs }, 'grace period over; closing remaining connections');
        app.server.closeAllConnections();
      }, config.shutdownGraceMs);
      timer.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
        await Promise.allSettled([ownEdge.close()]);
        await runtime.close();
      }
    })();
    return closing;
  };
  return { app, runtime, url, close };
}

/**
 * Secure by default: refuses (RAGD_ERR_CONFIG, with how to fix it) to listen beyond loopback while
 * nobody could authenticate, unless RAGD_AUTH=off; warns whenever the API is open.
 */
export function enforceBindPolicy(config: Config, edge: Pick<Edge, 'authEnabled' | 'credentialsConfigured'>, log: Logger): void {
  const policy = checkBindPolicy({
    host: config.server.host,
    authEnabled: edge.authEnabled,
    credentialsConfigured: edge.credentialsConfigured,
    authSetting: config.auth.mode,
  });
  if (!policy.ok) throw new RagdError('RAGD_ERR_CONFIG', policy.message);
  if (policy.warning) log.warn({ host: config.server.host }, policy.warning);
  else if (!edge.authEnabled) {
    log.warn(
      { host: config.server.host, auth: config.auth.mode },
      'authentication is off: the API is open to anyone who can reach this address (loopback only). Create an API key (ragd keys create) or set RAGD_SERVICE_TOKEN, then restart, to require credentials',
    );
  }
}

/** Wires SIGTERM/SIGINT to a graceful close and exits 0 (1 if closing failed). */
export function installSignalHandlers(server: RunningServer, log: Logger): void {
  const onSignal = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server
      .close()
      .then(() => {
        log.info('shutdown complete');
        // The log destination is asynchronous: exit once queued lines are written.
        log.flush(() => process.exit(0));
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        log.flush(() => process.exit(1));
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
