/** `ragd serve`: start the HTTP server on the configured address. */
import { loadConfig } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import { installSignalHandlers, startServer } from '../server/serve.js';
import { acquireDataDir } from './data-dir-lock.js';
import { applyV8Tuning } from './v8-tuning.js';

export async function serveCommand(): Promise<void> {
  const config = loadConfig();
  applyV8Tuning(config);
  const log = createLogger({ level: config.log.level, pretty: config.log.pretty });
  const lock = acquireDataDir(config.dataDir, { command: 'serve' });
  try {
    const server = await startServer(config, log);
    lock.update({ url: server.url });
    const close = server.close;
    server.close = async () => {
      try {
        await close();
      } finally {
        lock.release();
      }
    };
    installSignalHandlers(server, log);
  } catch (err) {
    lock.release();
    throw err;
  }
}
