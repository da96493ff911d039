/**
 * Resilience inspection and control:
 * - GET /metrics/circuit-breaker: every dependency's breaker (state, consecutive counts, totals,
 *   last transition, open-until), bulkhead and retry budget.
 * - GET /metrics/connection-pool: per provider origin, connected/free/pending/running/size.
 * - /api/v1/admin/faults: fault injection (add latency, errors, timeouts or an error rate to a named
 *   dependency, list, clear) — refused unless RAGD_FAULT_INJECTION=true; admin scope only.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import '../schemas.js';
import type { Scope } from '../route-config.js';

const faultParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 128 } } } as const;
const faultBody = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: { rules: { type: 'array', maxItems: 16, items: { type: 'object' } } },
} as const;

export function registerResilienceRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get('/metrics/circuit-breaker', { schema: { tags: ['observability'], summary: 'Circuit breakers, bulkheads and retry budgets' } }, async () =>
    rt.resilience.snapshot(),
  );
  app.get('/metrics/connection-pool', { schema: { tags: ['observability'], summary: 'Outbound connection pools' } }, async () => ({
    pools: rt.dispatchers.stats(),
  }));

  const admin: { scope: Scope } = { scope: 'admin' };
  app.get('/api/v1/admin/faults', { config: admin, schema: { tags: ['admin'], summary: 'List injected faults' } }, async () => ({
    enabled: rt.resilience.faults.enabled,
    faults: rt.resilience.faults.list(),
  }));
  app.put<{ Params: { name: string }; Body: { rules: unknown[] } }>(
    '/api/v1/admin/faults/:name',
    { config: admin, schema: { params: faultParams, body: faultBody, tags: ['admin'], summary: 'Set the faults of one dependency' } },
    async (request) => {
      const rules = rt.resilience.faults.set(request.params.name, request.body.rules);
      request.log.warn({ event: 'audit', action: 'faults.set', dependency: request.params.name, rules }, 'fault injection changed');
      return { name: request.params.name, rules };
    },
  );
  app.delete<{ Params: { name: string } }>(
    '/api/v1/admin/faults/:name',
    { config: admin, schema: { params: faultParams, tags: ['admin'], summary: 'Clear the faults of one dependency' } },
    async (request) => {
      rt.resilience.faults.clear(request.params.name);
      request.log.warn({ event: 'audit', action: 'faults.clear', dependency: request.params.name }, 'fault injection cleared');
      return { name: request.params.name, rules: [] };
    },
  );
  app.delete('/api/v1/admin/faults', { config: admin, schema: { tags: ['admin'], summary: 'Clear every injected fault' } }, async (request) => {
    rt.resilience.faults.clear();
    request.log.warn({ event: 'audit', action: 'faults.clear_all' }, 'fault injection cleared');
    return { faults: {} };
  });
}
