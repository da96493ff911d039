/**
 * Cache inspection and control:
 * - GET /metrics/semantic-cache: size, lookups, hit rate, threshold, guard rejections, shadow-mode figures.
 * - DELETE /api/v1/admin/cache?collection=: purges a collection's cached answers (admin scope).
 *   Answers are also keyed by the collection version, so an ingest or delete already makes old
 *   answers unreachable on every replica; the purge frees the space and clears this process's tiers.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { collectionQuery } from '../schemas.js';
import { DEFAULT_COLLECTION } from './common.js';

export function registerCacheRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get('/metrics/semantic-cache', { config: { metricsToken: true }, schema: { tags: ['observability'], summary: 'Semantic answer cache figures' } }, async () => ({
    enabled: rt.answers.semantic !== undefined,
    shadow: rt.config.cache.semantic.shadow,
    threshold: rt.config.cache.semantic.threshold,
    ...(rt.answers.semantic?.stats() ?? {}),
    tiers: await rt.answers.tiered.entries(),
  }));
  app.delete<{ Querystring: { collection?: string } }>(
    '/api/v1/admin/cache',
    { config: { scope: 'admin', routeClass: 'admin' }, schema: { querystring: collectionQuery, tags: ['admin'], summary: "Purge a collection's cached answers" } },
    async (request) => {
      const collection = request.query.collection ?? DEFAULT_COLLECTION;
      const removed = await rt.answers.purge(request.tenant, collection);
      request.log.warn({ event: 'audit', action: 'cache.purge', tenant: request.tenant, collection, removed }, 'answer cache purged');
      return { collection, removed };
    },
  );
}
