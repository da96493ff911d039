/**
 * Liveness and readiness. Live: the process answers. Ready: the store answers `select 1`, the
 * indexes are loaded, the providers' cheap probes succeed (cached briefly so probes never hammer a
 * provider), and the server is not shutting down. Each dependency reports its own status.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import '../schemas.js';

export function registerHealthRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get('/health/live', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { config: { public: true }, schema: { tags: ['health'], summary: 'Readiness with per-dependency detail' } }, async (_request, reply) => {
    const report = await rt.readiness();
    return reply.code(report.ready ? 200 : 503).send(report);
  });
}
