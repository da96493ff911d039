/**
 * Starts ragd: validated config -> runtime (store, indexes, providers) -> HTTP app -> listen, and
 * installs graceful shutdown: on SIGTERM/SIGINT readiness goes false, new requests get 503, in-flight
 * requests get up to the grace period to finish, indexes are snapshotted, the store is closed, and
 * the process exits 0.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { Runtime } from '../runtime.js';
import { buildApp } from './app.js';


/** How often the drain checks whether in-flight requests have finished. */
const DRAIN_POLL_MS = 25;

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const t0 = performance.now();
  const runtime = new Runtime(config, log);
  const report = await runtime.start();
  const app = await buildApp(runtime);
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  log.info(
    { url, address, dataDir: config.dataDir, embedder: runtime.embedder.kind, generator: runtime.generator.kind, indexes: report, startupMs: Math.round(performance.now() - t0) },
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
        await runtime.close();
      }
    })();
    return closing;
  };
  return { app, runtime, url, close };
}

/** Wires SIGTERM/SIGINT to a graceful close and exits 0 (1 if closing failed). */
export function installSignalHandlers(server: RunningServer, log: Logger): void {
  const onSignal = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server
      .close()
      .then(() => {
        log.info('shutdown complete');
        log.flush?.();
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
