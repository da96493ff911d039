/**
 * The same-run reference: a bare Fastify 5 route, `POST /ref`, answering a small JSON object.
 * Its req/s under the same load generator, machine and moment is the ceiling a Fastify service
 * can reach there, so ragd's figures are reported as a ratio to it rather than as bare numbers
 * that change from laptop to laptop.
 *
 * Run it on its own with `node --import tsx bench/reference-server.ts [port]`: it prints its URL.
 */
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';

export interface ReferenceServer {
  /** Full URL of the route, e.g. `http://127.0.0.1:41234/ref`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the reference server. Defaults: host 127.0.0.1, port 0 (any free port).
 * The route parses the JSON body like ragd's routes do and answers `{ ok: true, bytes }`.
 */
export async function startReferenceServer(options: { host?: string; port?: number } = {}): Promise<ReferenceServer> {
  const app = Fastify({ logger: false });
  app.post('/ref', async (request) => ({ ok: true, bytes: Number(request.headers['content-length'] ?? 0) }));
  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('reference server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}/ref`, close: () => app.close() };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startReferenceServer({ port: Number(process.argv[2] ?? 0) });
  console.log(server.url);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
