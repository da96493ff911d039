/**
 * POST /api/v1/rag/query: retrieval + grounded answer, as one JSON response or, with
 * `"stream": true`, as Server-Sent Events: `delta` (answer text) ..., `citations`, `done`.
 * Errors before the first event are ordinary problem+json responses; errors after the stream has
 * started end it with an `error` event carrying the problem body — never a clean `done`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { QueryEvent, QueryRequest } from '../../rag/query-service.js';
import type { RetrievalMode } from '../../rag/types.js';
import type { Metadata } from '../../store/types.js';
import type { Runtime } from '../../runtime.js';
import { renderProblem } from '../problem.js';
import { queryBody } from '../schemas.js';
import { SseWriter } from '../sse.js';
import { DEFAULT_COLLECTION, requireText } from './common.js';

interface QueryBody {
  query: string;
  collection?: string;
  topK?: number;
  mode?: RetrievalMode;
  filter?: Metadata;
  stream?: boolean;
}

export function registerQueryRoute(app: FastifyInstance, rt: Runtime): void {
  app.post<{ Body: QueryBody }>('/api/v1/rag/query', { schema: { body: queryBody, tags: ['rag'], summary: 'Ask a question' } }, async (request, reply) => {
    const b = request.body;
    requireText(b.query, 'query');
    const req: QueryRequest = {
      key: { tenant: request.tenant, name: b.collection ?? DEFAULT_COLLECTION },
      query: b.query,
      mode: b.mode ?? 'hybrid',
      topK: b.topK ?? rt.config.retrieval.queryTopK,
      filter: b.filter,
      signal: request.abortSignal,
      deadline: request.deadline,
    };
    request.facts.collection = req.key.name;
    request.facts.cache = 'miss';
    if (b.stream) return streamAnswer(request, reply, rt.query.run(req), rt);
    const res = await rt.query.answer(req);
    rt.recordQuery(res, 'miss');
    if (res.degraded) {
      request.facts.degraded = res.reasons;
      reply.header('x-ragd-degraded', res.reasons.join(','));
    }
    reply.header('x-cache', 'miss');
    return {
      answer: res.answer,
      citations: res.citations,
      mode: res.mode,
      model: res.model,
      timings: res.timings,
      cache: 'miss',
      degraded: res.degraded,
      ...(res.degraded ? { reasons: res.reasons } : {}),
    };
  });
}

async function streamAnswer(request: FastifyRequest, reply: FastifyReply, events: AsyncGenerator<QueryEvent>, rt: Runtime): Promise<FastifyReply> {
  // Pull the first event before committing to a 200 stream, so early failures (unknown collection,
  // embedder mismatch) are ordinary problem+json responses with the right status.
  const first = await events.next();
  reply.hijack();
  const sse = new SseWriter(reply.raw);
  sse.open({ 'x-request-id': request.id, 'x-cache': 'miss' });
  try {
    let item = first;
    while (!item.done) {
      const ev = item.value;
      if (sse.isClosed) break;
      if (ev.type === 'delta') await sse.send('delta', { text: ev.text });
      else if (ev.type === 'citations') await sse.send('citations', { citations: ev.citations });
      else {
        if (ev.done.degraded) request.facts.degraded = ev.done.reasons;
        rt.recordQuery(ev.done, 'miss');
        await sse.send('done', {
          mode: ev.done.mode,
          model: ev.done.model,
          timings: ev.done.timings,
          cache: 'miss',
          degraded: ev.done.degraded,
          ...(ev.done.degraded ? { reasons: ev.done.reasons } : {}),
        });
      }
      item = await events.next();
    }
  } catch (err) {
    const problem = renderProblem(err, { instance: request.url, requestId: request.id });
    request.log.warn({ code: problem.body.code }, 'stream ended with an error');
    await sse.send('error', problem.body);
  } finally {
    if (sse.isClosed) await events.return(undefined);
    sse.end();
  }
  return reply;
}
