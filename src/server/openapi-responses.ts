/**
 * Response documentation for the OpenAPI document, by route. Kept apart from the routes on purpose:
 * these schemas only describe (openapi.ts merges them in while generating the document); they never
 * serialize, so a field a route adds can never be silently dropped by a stale response schema.
 */
import { ERROR_REGISTRY } from '../errors/registry.js';

type Schema = Record<string, unknown>;

export const problemSchema: Schema = {
  type: 'object',
  description: 'RFC 9457 problem details; see docs/errors.md. `status` always equals the HTTP status.',
  required: ['type', 'title', 'status', 'detail', 'code', 'retryable'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', enum: Object.keys(ERROR_REGISTRY) },
    retryable: { type: 'boolean' },
    field: { type: 'string', description: 'The offending input, where one is to blame.' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
    instance: { type: 'string' },
    requestId: { type: 'string' },
  },
};

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (RAGD_ERR_VALIDATION, RAGD_ERR_MALFORMED_JSON, ...)',
  401: 'Missing or invalid credential (RAGD_ERR_UNAUTHORIZED); carries WWW-Authenticate',
  403: 'The credential lacks the scope (RAGD_ERR_FORBIDDEN)',
  404: "Not found — also for another tenant's collections and documents",
  413: 'Body over RAGD_BODY_LIMIT_BYTES',
  415: 'Not JSON',
  422: 'Empty document text or duplicate ids in one request',
  429: 'Rate limit or token budget exceeded (RAGD_ERR_RATE_LIMITED); carries Retry-After and RateLimit',
  503: 'Overloaded, shutting down, or a dependency is unavailable; carries Retry-After',
};

function problem(status: number): Schema {
  return { description: PROBLEM_DESCRIPTIONS[status] ?? 'Error', content: { 'application/problem+json': { schema: problemSchema } } };
}

function json(description: string, schema: Schema): Schema {
  return { description, content: { 'application/json': { schema } } };
}

const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  required,
  properties,
});
const str = { type: 'string' };
const int = { type: 'integer' };
const num = { type: 'number' };
const bool = { type: 'boolean' };
const metadata = { type: 'object', additionalProperties: true };
const reasons = {
  type: 'array',
  items: str,
  description: 'Why the answer is degraded, e.g. embedding_unavailable, generation_unavailable.',
};

const documentRecord = obj({
  id: str,
  collection: str,
  title: str,
  format: { type: 'string', enum: ['text', 'markdown', 'html'] },
  metadata,
  contentHash: str,
  chunkCount: int,
  textLength: int,
  createdAt: int,
  updatedAt: int,
});
const citation = obj({ index: int, documentId: str, chunkId: str, title: str, text: str, score: num });
const keyRecord = obj(
  {
    id: str,
    name: str,
    tenant: str,
    scopes: { type: 'array', items: { type: 'string', enum: ['query', 'ingest', 'admin'] } },
    expiresAt: { type: 'string', format: 'date-time' },
    rateLimitPerMinute: int,
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: 'string', format: 'date-time' },
  },
  ['id', 'name', 'tenant', 'scopes', 'createdAt'],
);

const API_ERRORS = [400, 401, 403, 404, 429, 503];

/** Success responses by `METHOD /path` (Fastify path syntax); API routes also get the problem responses. */
const SUCCESS: Record<string, Record<number, Schema>> = {
  'GET /health/live': { 200: json('The process answers', obj({ status: str })) },
  'GET /health/ready': {
    200: json('Ready', { type: 'object', additionalProperties: true }),
    503: json('Not ready; per-dependency detail', { type: 'object', additionalProperties: true }),
  },
  'POST /api/v1/rag/documents': {
    201: json(
      'Durable and searchable',
      obj({
        collection: str,
        collectionVersion: int,
        documents: { type: 'array', items: obj({ id: str, chunks: int, replaced: bool, unchanged: bool }) },
        chunks: int,
      }),
    ),
    413: problem(413),
    415: problem(415),
    422: problem(422),
  },
  'GET /api/v1/rag/documents': {
    200: json(
      'A page of documents',
      obj({ collection: str, documents: { type: 'array', items: documentRecord }, nextCursor: str }, ['collection', 'documents']),
    ),
  },
  'GET /api/v1/rag/documents/:id': {
    200: json('The document, with its clean text', {
      ...documentRecord,
      properties: { ...(documentRecord.properties as Schema), text: str },
    }),
  },
  'DELETE /api/v1/rag/documents/:id': { 200: json('Deleted', obj({ id: str, collection: str, deleted: bool, collectionVersion: int })) },
  'GET /api/v1/rag/collections': {
    200: json(
      "Collections of the caller's tenant",
      obj({
        collections: {
          type: 'array',
          items: obj({ name: str, documents: int, chunks: int, version: int, embedder: str, model: str, dimensions: int, updatedAt: str }),
        },
      }),
    ),
  },
  'POST /api/v1/rag/search': {
    200: json(
      'Ranked chunks',
      obj(
        {
          results: { type: 'array', items: obj({ documentId: str, chunkId: str, title: str, text: str, score: num, metadata }) },
          mode: str,
          degraded: bool,
          reasons,
          timings: obj({ embedMs: num, searchMs: num }),
        },
        ['results', 'mode', 'degraded', 'timings'],
      ),
    ),
  },
  'POST /api/v1/rag/query': {
    200: {
      description:
        'A grounded answer whose [n] markers index the citations; with `"stream": true`, Server-Sent Events: delta*, citations, done (or error).',
      content: {
        'application/json': {
          schema: obj(
            {
              answer: str,
              citations: { type: 'array', items: citation },
              mode: str,
              model: str,
              timings: { type: 'object', additionalProperties: num },
              cache: str,
              degraded: bool,
              reasons,
            },
            ['answer', 'citations', 'mode', 'model', 'degraded'],
          ),
        },
        'text/event-stream': { schema: { type: 'string', description: 'event: delta | citations | done | error, data: JSON' } },
      },
    },
  },
  'POST /api/v1/admin/keys': {
    201: json('The new key; `key` is shown only here', {
      ...keyRecord,
      properties: { ...(keyRecord.properties as Schema), key: str },
      required: ['key', 'id'],
    }),
  },
  'GET /api/v1/admin/keys': { 200: json('Keys, newest first (no secrets)', obj({ keys: { type: 'array', items: keyRecord } })) },
  'DELETE /api/v1/admin/keys/:id': {
    200: json(
      'Revoked (this server stops accepting it at once)',
      obj({ id: str, revoked: bool, revokedAt: { type: 'string', format: 'date-time' } }),
    ),
  },
};

/** The documented responses of a route, or undefined to leave it as the route declares. */
export function documentedResponses(method: string, url: string): Record<number, Schema> | undefined {
  const success = SUCCESS[`${method} ${url}`];
  const api = url.startsWith('/api/');
  if (!success && !api) return undefined;
  const out: Record<number, Schema> = { ...(success ?? {}) };
  if (api) for (const status of API_ERRORS) out[status] ??= problem(status);
  return out;
}
