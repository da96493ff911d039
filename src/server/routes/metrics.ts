/** GET /metrics: Prometheus text exposition of ragd's registry (pool gauges refreshed per scrape). */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import '../schemas.js';

export function registerMetricsRoute(app: FastifyInstance, rt: Runtime): void {
  app.get('/metrics', { schema: { tags: ['observability'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    // Responses finished before this scrape are counted in it (response-batch.ts).
    rt.flushObservations();
    for (const row of rt.dispatchers.stats()) rt.metrics.setPoolStats(providerOf(rt, row.origin), row);
    rt.slo.exportTo(rt.metrics);
    for (const [tier, n] of Object.entries(await rt.answers.tiered.entries())) if (n !== undefined) rt.metrics.cacheEntries.set({ tier }, n);
    if (rt.answers.semantic) rt.metrics.cacheEntries.set({ tier: 'semantic' }, rt.answers.semantic.stats().size);
    const { contentType, body } = await rt.metrics.exposition();
    return reply.type(contentType).send(body);
  });
}

export function registerSloRoute(app: FastifyInstance, rt: Runtime): void {
  app.get('/metrics/slo', { schema: { tags: ['observability'], summary: 'SLOs: objectives, error budget, burn rates' } }, async () => {
    rt.flushObservations();
    return rt.slo.snapshot();
  });
}

/** Pool gauges are labelled by provider kind (bounded), not by origin URL. */
function providerOf(rt: Runtime, origin: string): string {
  if (origin === new URL(rt.config.ollama.url).origin) return 'ollama';
  if (origin === new URL(rt.config.openai.baseUrl).origin) return 'openai';
  return 'other';
}
