/**
 * POST /api/v1/rag/query: retrieval + grounded answer, as one JSON response or, with
 * `"stream": true`, as Server-Sent Events: `delta` (answer text) ..., `citations`, `done`.
 * Answers go through the answer cache (exact, then semantic; `cache: "use" | "bypass" | "refresh"`);
 * the response says which in `cache` and `X-Cache`. A cache hit on a streaming request is replayed
 * with the same event shapes; a live stream is cached only when it finished cleanly.
 * Errors before the first event are ordinary problem+json responses; errors after the stream has
 * started end it with an `error` event carrying the problem body — never a clean `done`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AnswerRequest, CacheMode, CachedAnswer, CachedLookup, CacheOutcome } from '../../rag/answer-cache.js';
import type { AnswerKeyInput } from '../../cache/cache-key.js';
import type { QueryEvent, QueryRequest } from '../../rag/query-service.js';
import { citationsJson } from '../../rag/citation-json.js';
import { isDegradable } from '../../rag/retriever.js';
import { SPAN_NAMES } from '../../observability/tracing-attributes.js';
import { requestSpan } from '../../observability/tracing-hooks.js';
import type { RetrievalMode } from '../../rag/types.js';
import type { CollectionRecord, Metadata } from '../../store/types.js';
import type { Runtime } from '../../runtime.js';
import { reserveAnswerTokens } from '../answer-budget.js';
import { renderProblem } from '../problem.js';
import { cachedBody, type CompressedForms } from '../precompressed-body.js';
import { queryBody } from '../schemas.js';
import { SseWriter } from '../sse.js';
import { DEFAULT_COLLECTION, requireText } from './common.js';
import { requestCallOptions } from '../plugins/request-context.js';

interface QueryBody {
  query: string;
  collection?: string;
  topK?: number;
  mode?: RetrievalMode;
  filter?: Metadata;
  stream?: boolean;
  cache?: CacheMode;
  threshold?: number;
}

export function registerQueryRoute(app: FastifyInstance, rt: Runtime): void {
  const models = answerModels(rt);
  app.post<{ Body: QueryBody }>(
    '/api/v1/rag/query',
    { config: { scope: 'query', routeClass: 'query' }, schema: { body: queryBody, tags: ['rag'], summary: 'Ask a question' } },
    // Not async: a question whose collection is known and whose answer is a fresh exact hit, or a
    // semantic hit found with an in-process embedder, is answered synchronously (the body is
    // returned, and Fastify sends it at once); anything else continues in answerQuery. A promise and
    // its turns were ~8% of an exact hit's CPU (bench/README.md).
    (request, reply) => {
      const b = request.body;
      requireText(b.query, 'query');
      // The abort signal is added only where work that can be aborted starts (a cache hit never creates it).
      const req: Question = {
        key: { tenant: request.tenant, name: b.collection ?? DEFAULT_COLLECTION },
        query: b.query,
        mode: b.mode ?? 'hybrid',
        topK: b.topK ?? rt.config.retrieval.queryTopK,
        filter: b.filter,
      };
      request.facts.collection = req.key.name;
      const known = rt.query.knownCollection(req.key);
      if (known === undefined || b.stream) return answerQuery(request, reply, rt, models, req, b, known);
      const areq = new RouteAnswerRequest(rt, models, request, req, b, known.version);
      const hit = rt.answers.answerNow(areq);
      if (hit === undefined) return answerQuery(request, reply, rt, models, req, b, known, areq);
      return respond(request, reply, rt, areq, hit, known.version);
    },
  );
}

/** The rest of a question: the collection looked up, the stream, or the answer cache's slower paths. */
async function answerQuery(
  request: FastifyRequest,
  reply: FastifyReply,
  rt: Runtime,
  models: AnswerModels,
  req: Question,
  b: QueryBody,
  known: CollectionRecord | undefined,
  asked?: RouteAnswerRequest,
): Promise<string | Buffer | FastifyReply> {
  const collection = known ?? (await rt.query.collection(req.key));
  const areq = asked ?? new RouteAnswerRequest(rt, models, request, req, b, collection.version);
  if (b.stream) {
    const hit = await rt.answers.peek(areq);
    if (hit) return replay(request, reply, rt, hit.value, hit.cache);
    const budget = await reserveAnswerTokens(rt, request, b.query, req.topK);
    const qv = await areq.embed();
    return streamLive(request, reply, rt, budget.track(rt.query.run(queryRequest(request, req, qv))), (value) => rt.answers.remember(areq, qv, value));
  }
  const lookup = (asked === undefined ? rt.answers.answerNow(areq) : undefined) ?? (await rt.answers.answer(areq));
  return respond(request, reply, rt, areq, lookup, collection.version);
}

/** The JSON answer: its observation for the response batch, X-Cache (and X-Ragd-Degraded), the body. */
function respond(request: FastifyRequest, reply: FastifyReply, rt: Runtime, areq: RouteAnswerRequest, lookup: CachedLookup, collectionVersion: number): string | Buffer {
  const { value, cache } = lookup;
  // A hit's "total" stage is this request's own time, not the cached answer's original compute time.
  const timings = cache === 'miss' ? value.timings : { ...value.timings, totalMs: reply.elapsedTime };
  // Recorded with the response, in its batch (response-batch.ts).
  request.facts.deferred = rt.queryObservation(
    { mode: value.mode, model: value.model, timings, degraded: value.degraded, reasons: value.reasons, collectionVersion },
    metricCache(cache, areq.mode),
  );
  request.facts.cache = cache;
  reply.header('x-cache', headerCache(cache, areq.mode));
  if (value.degraded) {
    request.facts.degraded = value.reasons;
    reply.header('x-ragd-degraded', value.reasons.join(','));
  }
  // Sent as text or bytes: Fastify sends both as they are, with the content type set here.
  reply.type(JSON_TYPE);
  if (cache === 'exact' || cache === 'semantic') {
    // A hit's body, and its compressed forms, are made once per cached answer (precompressed-body.ts).
    const hit = hitBody(value, cache);
    return cachedBody(request, reply, hit.text, hit.compressed, rt.config.compression);
  }
  return answerJson(value, cache);
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** What was asked: a QueryRequest without the per-request abort signal and deadline. */
type Question = Omit<QueryRequest, 'signal' | 'deadline' | 'queryVector'>;

function queryRequest(request: FastifyRequest, q: Question, queryVector: Float32Array | undefined): QueryRequest {
  return { ...q, signal: request.abortSignal, deadline: request.deadline, queryVector, parentSpan: requestSpan(request) };
}

/** The JSON body of an answer. */
function answerBody(value: CachedAnswer, cache: CacheOutcome) {
  return { answer: value.answer, citations: value.citations, ...doneBody(value, cache) };
}

/**
 * Serialised cache-hit bodies, per cached answer object and outcome. The memory tier and the
 * semantic cache hand out the same (immutable) object on every hit, so its body is serialised once
 * per outcome: JSON.stringify of a ~4 KB answer with citations was the largest single cost of a
 * hit. Entries go when the answer object does.
 */
const hitBodies = new WeakMap<CachedAnswer, Partial<Record<'exact' | 'semantic', HitBody>>>();

/** A cache hit's JSON text and its compressed forms, made as clients ask for them. */
interface HitBody {
  text: string;
  compressed: CompressedForms;
}

function hitBody(value: CachedAnswer, cache: 'exact' | 'semantic'): HitBody {
  let bodies = hitBodies.get(value);
  if (bodies === undefined) hitBodies.set(value, (bodies = {}));
  return (bodies[cache] ??= { text: JSON.stringify(answerBody(value, cache)), compressed: {} });
}

function answerJson(value: CachedAnswer, cache: CacheOutcome): string {
  if (cache === 'miss') return missJson(value);
  if (cache === 'exact' || cache === 'semantic') return hitBody(value, cache).text;
  return JSON.stringify(answerBody(value, cache));
}

/**
 * `JSON.stringify(answerBody(value, 'miss'))`, byte for byte, with each cited chunk's JSON reused
 * across answers (citationsJson): a miss or a degraded answer is serialised once and never again,
 * so the hit-body cache above cannot help it.
 */
function missJson(value: CachedAnswer): string {
  if (typeof value.answer !== 'string') return JSON.stringify(answerBody(value, 'miss'));
  // doneBody always has members (mode first), so its JSON is `{...}` with something inside.
  return `{"answer":${JSON.stringify(value.answer)},"citations":${citationsJson(value.citations)},${JSON.stringify(doneBody(value, 'miss')).slice(1)}`;
}

/** The models and parameters that go into every answer key: fixed for the process, so built once (frozen, so the key builder can memoise their JSON). */
interface AnswerModels {
  embedderModel: string;
  generatorModel: string;
  generatorParams: Readonly<Record<string, unknown>>;
}

function answerModels(rt: Runtime): AnswerModels {
  const g = rt.config.generator;
  return {
    embedderModel: `${rt.embedder.kind}:${rt.embedder.model}`,
    generatorModel: `${g.kind}:${g.model}`,
    generatorParams: Object.freeze({ temperature: g.temperature, maxTokens: g.maxTokens, fallback: Object.freeze(rt.config.resilience.generatorFallback.map((f) => Object.freeze({ ...f }))) }),
  };
}

/**
 * Everything the cache needs for one request; the question's embedding is computed at most once.
 * A class, not an object of closures: an exact hit never calls `embed` or `compute`, so it should
 * not pay for making them.
 */
class RouteAnswerRequest implements AnswerRequest {
  readonly key: AnswerKeyInput;
  readonly question: string;
  readonly mode: CacheMode;
  readonly threshold: number | undefined;
  exactKey: string | undefined = undefined;
  private embedding: Promise<Float32Array | undefined> | undefined = undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly models: AnswerModels,
    private readonly request: FastifyRequest,
    private readonly req: Question,
    b: QueryBody,
    version: number,
  ) {
    this.key = {
      tenant: req.key.tenant,
      collection: req.key.name,
      collectionVersion: version,
      query: req.query,
      mode: req.mode,
      topK: req.topK,
      filter: req.filter,
      embedderModel: models.embedderModel,
      generatorModel: models.generatorModel,
      generatorParams: models.generatorParams,
    };
    this.question = req.query;
    this.mode = b.cache ?? 'use';
    this.threshold = b.threshold;
  }

  embed(): Promise<Float32Array | undefined> {
    const { rt, models, request, req } = this;
    // The question is embedded here (for the semantic cache) and the vector reused by retrieval, so
    // this is where the embedding span — and a remote embedder's client span under it — belongs.
    return (this.embedding ??= rt.tracing
      .withSpan(
        SPAN_NAMES.cacheLookup,
        { 'ragd.cache.kind': 'embedding' },
        (lookup) =>
          rt.answers.embeddings.embedMany([req.query], models.embedderModel, (texts) =>
            rt.tracing.withSpan(SPAN_NAMES.embed, {}, (span) => rt.embedder.embed(texts, requestCallOptions(request, span)), { parent: lookup }),
          ),
        { parent: requestSpan(request) },
      )
      .then((v) => v[0])
      .catch((err: unknown) => {
        // The embedder being down is not this request's failure: retrieval degrades to lexical.
        if (isDegradable(err)) return undefined;
        throw err;
      }));
  }

  embedNow(): { vector: Float32Array | undefined } | undefined {
    const { rt, models, request, req } = this;
    // Not with tracing on: the embedding's spans are made by embed().
    if (this.embedding !== undefined || rt.tracing.enabled || rt.embedder.embedNow === undefined) return undefined;
    let vector: Float32Array | undefined;
    try {
      vector = rt.answers.embeddings.embedOneNow(req.query, models.embedderModel, (texts) => rt.embedder.embedNow!(texts, requestCallOptions(request)));
    } catch (err) {
      // As in embed(): the embedder being down is not this request's failure.
      if (!isDegradable(err)) throw err;
      this.embedding = Promise.resolve(undefined);
      return { vector: undefined };
    }
    if (vector === undefined) return undefined;
    this.embedding = Promise.resolve(vector);
    return { vector };
  }

  async compute(queryVector: Float32Array | undefined): Promise<CachedAnswer> {
    const { rt, request, req } = this;
    const budget = await reserveAnswerTokens(rt, request, req.query, req.topK);
    return budget.settle(collect(rt.query.run(queryRequest(request, req, queryVector))));
  }
}

async function collect(events: AsyncGenerator<QueryEvent>): Promise<CachedAnswer> {
  const out: CachedAnswer = { answer: '', deltas: [], citations: [], mode: 'hybrid', model: '', timings: { embedMs: 0, searchMs: 0, generateMs: 0, totalMs: 0 }, degraded: false, reasons: [] };
  for await (const ev of events) {
    if (ev.type === 'delta') {
      out.answer += ev.text;
      out.deltas.push(ev.text);
    } else if (ev.type === 'citations') out.citations = ev.citations;
    else Object.assign(out, { mode: ev.done.mode, model: ev.done.model, timings: ev.done.timings, degraded: ev.done.degraded, reasons: ev.done.reasons });
  }
  return out;
}

function headerCache(cache: CacheOutcome, mode: CacheMode): string {
  return cache === 'miss' && mode === 'bypass' ? 'bypass' : cache;
}

function metricCache(cache: CacheOutcome, mode: CacheMode): 'exact' | 'semantic' | 'miss' | 'bypass' {
  if (cache === 'stale') return 'exact';
  return cache === 'miss' && mode === 'bypass' ? 'bypass' : cache;
}

function doneBody(value: Pick<CachedAnswer, 'mode' | 'model' | 'timings' | 'degraded' | 'reasons'>, cache: CacheOutcome) {
  return {
    mode: value.mode,
    model: value.model,
    timings: value.timings,
    cache,
    degraded: value.degraded,
    ...(value.degraded ? { reasons: value.reasons } : {}),
  };
}

/**
 * The headers set on the reply so far (request id, security headers, CORS, RateLimit...), for a
 * hijacked reply, which writes the raw response itself and would otherwise drop them.
 */
function hijackedHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** Replays a cached answer with the same event shapes as a live stream. */
async function replay(request: FastifyRequest, reply: FastifyReply, rt: Runtime, value: CachedAnswer, cache: CacheOutcome): Promise<FastifyReply> {
  reply.hijack();
  const sse = new SseWriter(reply.raw);
  sse.open({ ...hijackedHeaders(reply), 'x-cache': cache });
  request.facts.cache = cache;
  for (const text of value.deltas) await sse.send('delta', { text });
  await sse.send('citations', { citations: value.citations });
  await sse.send('done', doneBody(value, cache));
  rt.recordQuery({ ...value, timings: { ...value.timings, totalMs: reply.elapsedTime }, collectionVersion: 0 }, metricCache(cache, 'use'));
  sse.end();
  return reply;
}

async function streamLive(
  request: FastifyRequest,
  reply: FastifyReply,
  rt: Runtime,
  events: AsyncGenerator<QueryEvent>,
  remember: (value: CachedAnswer) => Promise<void>,
): Promise<FastifyReply> {
  // Pull the first event before committing to a 200 stream, so early failures (unknown collection,
  // embedder mismatch) are ordinary problem+json responses with the right status.
  const first = await events.next();
  reply.hijack();
  const sse = new SseWriter(reply.raw);
  request.facts.cache = 'miss';
  sse.open({ ...hijackedHeaders(reply), 'x-cache': 'miss' });
  const collected: CachedAnswer = { answer: '', deltas: [], citations: [], mode: 'hybrid', model: '', timings: { embedMs: 0, searchMs: 0, generateMs: 0, totalMs: 0 }, degraded: false, reasons: [] };
  let finished = false;
  try {
    let item = first;
    while (!item.done) {
      const ev = item.value;
      if (sse.isClosed) break;
      if (ev.type === 'delta') {
        collected.answer += ev.text;
        collected.deltas.push(ev.text);
        await sse.send('delta', { text: ev.text });
      } else if (ev.type === 'citations') {
        collected.citations = ev.citations;
        await sse.send('citations', { citations: ev.citations });
      } else {
        if (ev.done.degraded) request.facts.degraded = ev.done.reasons;
        Object.assign(collected, { mode: ev.done.mode, model: ev.done.model, timings: ev.done.timings, degraded: ev.done.degraded, reasons: ev.done.reasons });
        rt.recordQuery(ev.done, 'miss');
        await sse.send('done', doneBody(ev.done, 'miss'));
        finished = !sse.isClosed;
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
  // Only a stream that finished cleanly (and not degraded) is cached.
  if (finished) await remember(collected).catch((err: unknown) => request.log.warn({ err }, 'could not cache the streamed answer'));
  return reply;
}
