/**
 * Liveness and readiness. Live: the process answers. Ready: not shutting down, the store answers
 * `select 1`, the indexes are loaded, and not every embedding/generation circuit breaker is open
 * (Runtime.readiness). Each dependency reports its own status: providers from a recent successful
 * call (passive) or a cheap, never billable probe cached for 5 s, with their breaker states.
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
