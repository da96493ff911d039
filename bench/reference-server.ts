/**
 * The same-run reference: a bare Fastify 5 route, `POST /ref`, answering a small JSON object.
 * Its req/s under the same load generator, machine and moment is the ceiling a Fastify service
 * can reach there, so ragd's figures are reported as a ratio to it rather than as bare numbers
 * that change from laptop to laptop. `POST /ref/bytes/:n` answers with a JSON body of exactly n bytes:
 * the same-bytes reference, which tells how much of a ratio is the size of ragd's answers rather
 * than ragd's own work.
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

/** Smallest `/ref/bytes/:n` body: `{"pad":""}`. */
export const MIN_BODY_BYTES = 10;
/** Largest `/ref/bytes/:n` body: 1 MiB, far above any ragd answer. */
export const MAX_BODY_BYTES = 1 << 20;
/** Body sizes kept serialised at once (a bench run asks for one per scenario). */
const MAX_BODY_SIZES = 16;

/** A JSON object of exactly `bytes` bytes (ASCII): `{"pad":"xxx…"}`. */
export function sizedJson(bytes: number): string {
  return `{"pad":"${'x'.repeat(bytes - MIN_BODY_BYTES)}"}`;
}

/** Most CPU a `/ref/spin/:us` request may ask to burn: 100 ms, far above any ragd request measured. */
export const MAX_SPIN_US = 100_000;

/**
 * Burns `us` microseconds of this process's CPU time (user + system, as /proc counts it), not of
 * wall time: on a VM the two part when the hypervisor steals time, and the spin is meant to cost
 * what a ragd request costs by the same measure.
 */
export function spinCpu(us: number): number {
  const start = process.cpuUsage();
  let spins = 0;
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= us) return spins;
    spins++;
  }
}

/**
 * Starts the reference server. Defaults: host 127.0.0.1, port 0 (any free port).
 * `POST /ref` parses the JSON body like ragd's routes do and answers `{ ok: true, bytes }`.
 * `POST /ref/spin/:us` does the same after burning `us` µs of CPU: a bare route made to cost what a
 * measured ragd request costs, so a benchmark can show the latency any Node server doing that much
 * work per request gets on the same machine in the same run (bench/breaker-open.ts).
 */
export async function startReferenceServer(options: { host?: string; port?: number } = {}): Promise<ReferenceServer> {
  const app = Fastify({ logger: false });
  app.post('/ref', async (request) => ({ ok: true, bytes: Number(request.headers['content-length'] ?? 0) }));
  app.post<{ Params: { us: string } }>('/ref/spin/:us', async (request, reply) => {
    const us = Number(request.params.us);
    if (!Number.isInteger(us) || us < 0 || us > MAX_SPIN_US) return reply.code(400).send({ error: `us must be an integer from 0 to ${MAX_SPIN_US}` });
    return { ok: true, bytes: Number(request.headers['content-length'] ?? 0), spins: spinCpu(us) };
  });
  // The same-bytes reference: a body as large as a ragd scenario's answers, serialised once per size
  // and sent as a string (what ragd does for a cache hit), so the route's only extra work is the bytes.
  const bodies = new Map<number, string>();
  app.post<{ Params: { bytes: string } }>('/ref/bytes/:bytes', async (request, reply) => {
    const bytes = Number(request.params.bytes);
    if (!Number.isInteger(bytes) || bytes < MIN_BODY_BYTES || bytes > MAX_BODY_BYTES) {
      return reply.code(400).send({ error: `bytes must be an integer from ${MIN_BODY_BYTES} to ${MAX_BODY_BYTES}` });
    }
    let body = bodies.get(bytes);
    if (body === undefined) {
      if (bodies.size >= MAX_BODY_SIZES) bodies.clear();
      bodies.set(bytes, (body = sizedJson(bytes)));
    }
    return reply.type('application/json; charset=utf-8').send(body);
  });
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
