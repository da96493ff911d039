/** Document routes: ingest, list, get, delete (and the collection list). */
import type { FastifyInstance } from 'fastify';
import { RagdError } from '../../errors/ragd-error.js';
import type { IngestDocument } from '../../rag/ingest-service.js';
import type { Runtime } from '../../runtime.js';
import { collectionQuery, idParams, ingestBody, listQuery } from '../schemas.js';
import { DEFAULT_COLLECTION } from './common.js';

interface IngestBody {
  collection?: string;
  documents: IngestDocument[];
}

export function registerDocumentRoutes(app: FastifyInstance, rt: Runtime): void {
  app.post<{ Body: IngestBody }>('/api/v1/rag/documents', { config: { scope: 'ingest', routeClass: 'ingest' }, schema: { body: ingestBody, tags: ['documents'], summary: 'Ingest documents' } }, async (request, reply) => {
    const key = { tenant: request.tenant, name: request.body.collection ?? DEFAULT_COLLECTION };
    request.facts.collection = key.name;
    const out = await rt.ingest(key, request.body.documents, request.abortSignal);
    return reply.code(201).send({
      collection: key.name,
      collectionVersion: out.collection?.version,
      documents: out.documents,
      chunks: out.chunks,
    });
  });

  app.get<{ Querystring: { collection?: string; limit: number; cursor?: string } }>(
    '/api/v1/rag/documents',
    { config: { scope: 'query' }, schema: { querystring: listQuery, tags: ['documents'], summary: 'List documents' } },
    async (request) => {
      const key = { tenant: request.tenant, name: request.query.collection ?? DEFAULT_COLLECTION };
      await rt.requireCollection(key);
      const page = await rt.store.listDocuments(key, { limit: request.query.limit, ...(request.query.cursor ? { cursor: request.query.cursor } : {}) });
      return { collection: key.name, documents: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { collection?: string } }>(
    '/api/v1/rag/documents/:id',
    { config: { scope: 'query' }, schema: { params: idParams, querystring: collectionQuery, tags: ['documents'], summary: 'Get a document' } },
    async (request) => {
      const key = { tenant: request.tenant, name: request.query.collection ?? DEFAULT_COLLECTION };
      await rt.requireCollection(key);
      const doc = await rt.store.getDocument(key, request.params.id);
      if (!doc) throw new RagdError('RAGD_ERR_DOCUMENT_NOT_FOUND', `document '${request.params.id}' not found in collection '${key.name}'`, { details: { field: 'id' } });
      return doc;
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { collection?: string } }>(
    '/api/v1/rag/documents/:id',
    { config: { scope: 'ingest', routeClass: 'ingest' }, schema: { params: idParams, querystring: collectionQuery, tags: ['documents'], summary: 'Delete a document' } },
    async (request) => {
      const key = { tenant: request.tenant, name: request.query.collection ?? DEFAULT_COLLECTION };
      await rt.requireCollection(key);
      const res = await rt.deleteDocument(key, request.params.id);
      if (!res) throw new RagdError('RAGD_ERR_DOCUMENT_NOT_FOUND', `document '${request.params.id}' not found in collection '${key.name}'`, { details: { field: 'id' } });
      return { id: request.params.id, collection: key.name, deleted: true, collectionVersion: res.collection.version };
    },
  );

  app.get('/api/v1/rag/collections', { config: { scope: 'query' }, schema: { tags: ['documents'], summary: 'List collections' } }, async (request) => {
    const list = await rt.store.listCollections(request.tenant);
    return {
      collections: list.map((c) => ({
        name: c.name,
        documents: c.documentCount,
        chunks: c.chunkCount,
        version: c.version,
        embedder: c.embedder,
        model: c.model,
        dimensions: c.dimensions,
        updatedAt: new Date(c.updatedAt).toISOString(),
      })),
    };
  });
}
