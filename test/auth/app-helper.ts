/**
 * An in-test Fastify app with ragd's request context and error rendering, the auth plugin, and
 * dummy routes for each scope; logs are captured as parsed JSON objects.
 */
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { registerAuth, type AuthPluginOptions } from '../../src/auth/auth-plugin.js';
import { tenantFor } from '../../src/auth/tenant.js';
import { registerErrorHandling } from '../../src/server/plugins/error-handler.js';
import { genRequestId, registerRequestContext } from '../../src/server/plugins/request-context.js';

export interface TestApp {
  app: FastifyInstance;
  logs: Record<string, unknown>[];
}

export async function buildAuthApp(options: AuthPluginOptions, extra?: (app: FastifyInstance) => void): Promise<TestApp> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const app = Fastify({ loggerInstance: pino({ level: 'info' }, sink) as FastifyBaseLogger, genReqId: genRequestId });
  registerRequestContext(app, { requestTimeoutMs: 5_000 });
  registerErrorHandling(app);
  registerAuth(app, options);
  const who = async (request: FastifyRequest) => ({
    kind: request.principal.kind,
    id: request.principal.id,
    tenant: request.tenant,
    scopes: request.principal.scopes,
    actingFor: tenantFor(request, request.headers['x-tenant'] as string | undefined),
  });
  app.get('/any', who);
  app.get('/query', { config: { scope: 'query' } }, who);
  app.post('/ingest', { config: { scope: 'ingest' } }, who);
  app.post('/admin', { config: { scope: 'admin' } }, who);
  app.get('/health', { config: { public: true } }, async () => ({ ok: true }));
  app.get('/metrics', { config: { metricsToken: true } }, async () => 'metrics');
  extra?.(app);
  await app.ready();
  return { app, logs };
}

/** Every log line as one string, to assert that no secret appears anywhere. */
export function allLogText(logs: Record<string, unknown>[]): string {
  return logs.map((l) => JSON.stringify(l)).join('\n');
}
