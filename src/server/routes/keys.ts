/**
 * API key management (admin scope): create (the plaintext key is in the 201 response and nowhere
 * else, ever), list (never secrets), revoke. Revoking here invalidates this server's key cache at
 * once; other servers sharing the data directory's key store see it within their cache TTL
 * (DEFAULT_KEY_CACHE_TTL_MS, 60 s). Every call is audited (action, admin principal, target key id).
 */
import type { FastifyInstance } from 'fastify';
import { audit } from '../../auth/audit.js';
import { SCOPES, type Scope } from '../../auth/principal.js';
import { keyView } from '../../auth/key-view.js';
import { MAX_KEY_NAME_LENGTH } from '../../auth/key-store.js';
import { TENANT_PATTERN } from '../../auth/tenant.js';
import { RagdError } from '../../errors/ragd-error.js';
import type { Edge } from '../edge.js';
import '../schemas.js';

const tenant = { type: 'string', pattern: TENANT_PATTERN.source, description: 'Tenant the key acts for.' } as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['tenant', 'scopes'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: MAX_KEY_NAME_LENGTH, description: 'A label for people; defaults to `key`.' },
    tenant,
    scopes: { type: 'array', minItems: 1, maxItems: SCOPES.length, uniqueItems: true, items: { type: 'string', enum: [...SCOPES] } },
    expiresAt: { type: 'string', format: 'date-time', description: 'When the key stops working (RFC 3339).' },
    rateLimitPerMinute: { type: 'integer', minimum: 1, maximum: 1_000_000, description: "This key's own request limit per route class." },
  },
} as const;

const listQuery = { type: 'object', additionalProperties: false, properties: { tenant } } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

interface CreateBody {
  name?: string;
  tenant: string;
  scopes: Scope[];
  expiresAt?: string;
  rateLimitPerMinute?: number;
}

export function registerKeyRoutes(app: FastifyInstance, edge: Edge): void {
  const config = { scope: 'admin', routeClass: 'admin' } as const;

  app.post<{ Body: CreateBody }>(
    '/api/v1/admin/keys',
    { config, schema: { body: createBody, tags: ['admin'], summary: 'Create an API key' } },
    async (request, reply) => {
      const b = request.body;
      const expiresAt = b.expiresAt === undefined ? undefined : Date.parse(b.expiresAt);
      const created = await edge.keyStore.create({
        name: b.name ?? 'key',
        tenant: b.tenant,
        scopes: b.scopes,
        expiresAt,
        rateLimitPerMinute: b.rateLimitPerMinute,
      });
      // A "no such key" for this id may be cached from a probe; forget it so the key works at once.
      edge.apiKeys.invalidate(created.record.id);
      audit(request, {
        action: 'keys.create',
        outcome: 'success',
        principalKind: request.principal.kind,
        principalId: request.principal.id,
        tenant: created.record.tenant,
        target: { keyId: created.record.id, scopes: created.record.scopes.join(' ') },
      });
      return reply.code(201).send({ key: created.key, ...keyView(created.record) });
    },
  );

  app.get<{ Querystring: { tenant?: string } }>(
    '/api/v1/admin/keys',
    { config, schema: { querystring: listQuery, tags: ['admin'], summary: 'List API keys (no secrets)' } },
    async (request) => {
      const list = await edge.keyStore.list(request.query.tenant === undefined ? {} : { tenant: request.query.tenant });
      return { keys: list.map(keyView) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/admin/keys/:id',
    { config, schema: { params: idParams, tags: ['admin'], summary: 'Revoke an API key' } },
    async (request) => {
      const { id } = request.params;
      const existing = await edge.keyStore.findByPrefix(id);
      if (!existing) throw new RagdError('RAGD_ERR_NOT_FOUND', `API key '${id}' not found`, { details: { field: 'id' } });
      await edge.apiKeys.revoke(id);
      const after = await edge.keyStore.findByPrefix(id);
      audit(request, {
        action: 'keys.revoke',
        outcome: 'success',
        principalKind: request.principal.kind,
        principalId: request.principal.id,
        tenant: existing.tenant,
        target: { keyId: id },
      });
      return { id, revoked: true, revokedAt: new Date(after?.revokedAt ?? Date.now()).toISOString() };
    },
  );
}
