/** Installs the one error handler and the not-found handler; both render problem+json via problem.ts. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RagdError } from '../../errors/ragd-error.js';
import { renderProblem, toRagdError } from '../problem.js';

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const rendered = renderProblem(err, { instance: request.url.split('?')[0], requestId: request.id });
  return reply.code(rendered.status).headers(rendered.headers).send(JSON.stringify(rendered.body));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const mapped = toRagdError(err);
    if (mapped.status >= 500) request.log.error({ err, code: mapped.code }, 'request failed');
    else request.log.debug({ code: mapped.code, detail: mapped.message }, 'request rejected');
    return sendProblem(request, reply, mapped);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new RagdError('RAGD_ERR_ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
