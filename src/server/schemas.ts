/**
 * JSON schemas for the public API. They validate requests (see validation.ts), and they are the
 * source the OpenAPI document is generated from, so every constraint a client must know is here.
 */
// Augments FastifySchema with OpenAPI fields (tags, summary) used on the routes.
import type {} from '@fastify/swagger';
import { MAX_TOP_K } from '../config/defaults.js';
import { RETRIEVAL_MODES } from '../rag/types.js';

/** Most documents one ingest request may carry; bounds one transaction's size. */
export const MAX_DOCUMENTS_PER_REQUEST = 1000;
/** Longest query accepted, in characters; longer questions are almost always pasted documents. */
export const MAX_QUERY_LENGTH = 4096;

export const collectionName = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'Collection name; defaults to `default`.',
} as const;

export const documentId = { type: 'string', minLength: 1, maxLength: 256, description: 'Document id, unique within its collection.' } as const;

const metadata = { type: 'object', description: 'Arbitrary JSON metadata; filters match its top-level keys.' } as const;
const topK = { type: 'integer', minimum: 1, maximum: MAX_TOP_K } as const;
const mode = { type: 'string', enum: [...RETRIEVAL_MODES], description: 'Retrieval mode; default `hybrid`.' } as const;
const filter = { type: 'object', description: 'Equality filter on document metadata: every key must match.' } as const;
const query = { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH } as const;

export const ingestBody = {
  type: 'object',
  additionalProperties: false,
  required: ['documents'],
  properties: {
    collection: collectionName,
    documents: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_DOCUMENTS_PER_REQUEST,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['text'],
        properties: {
          id: documentId,
          title: { type: 'string', maxLength: 1024 },
          text: { type: 'string', minLength: 1 },
          format: { type: 'string', enum: ['text', 'markdown', 'html'] },
          metadata,
        },
      },
    },
  },
} as const;

export const searchBody = {
  type: 'object',
  additionalProperties: false,
  required: ['query'],
  properties: { query, collection: collectionName, topK, mode, filter },
} as const;

export const queryBody = {
  type: 'object',
  additionalProperties: false,
  required: ['query'],
  properties: {
    query,
    collection: collectionName,
    topK,
    mode,
    filter,
    stream: { type: 'boolean', description: 'Answer as Server-Sent Events: delta*, citations, done.' },
    cache: {
      type: 'string',
      enum: ['use', 'bypass', 'refresh'],
      description: 'Answer cache: `use` (default) serves exact/semantic hits, `bypass` neither reads nor writes, `refresh` recomputes and stores.',
    },
    threshold: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: 'Semantic-cache similarity this request requires; can raise the configured floor, never lower it.',
    },
  },
} as const;

export const collectionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { collection: collectionName },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    collection: collectionName,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', maxLength: 1024 },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: documentId },
} as const;
