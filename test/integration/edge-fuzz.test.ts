/**
 * Fuzzing every route described by /openapi.json with fast-check (seeded, 500 requests):
 * bodies generated from the request schemas (mostly valid, steered towards real data so handlers
 * run) and malformed ones (wrong types, huge strings, deep nesting, invalid UTF-8, not JSON), random
 * path and query values, random credentials and headers. Invariants: never a 5xx, the server keeps
 * serving, and every error is problem+json whose body `status` equals the status on the wire.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, SERVICE_TOKEN, jwt, service } from '../support/edge-helpers.js';
import { call, startTestServer, type TestServer } from '../support/test-server.js';

/** Requests per run: enough to reach every route many times, small enough for CI (~10 s). */
const RUNS = 500;
/** Fixed so a failure reproduces; fast-check prints the counterexample. */
const SEED = 20_240_601;
const BODY_LIMIT = 256 * 1024;

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string; schema: JsonSchema; required?: boolean }[];
  body: JsonSchema | undefined;
}

/** Values that exist on the server, so generated requests reach the handlers, not only validation. */
const STEER: Record<string, fc.Arbitrary<unknown>> = {
  collection: fc.constantFrom('kb', 'kb', 'kb', 'default', 'nope'),
  query: fc.constantFrom('solar panels', 'How do panels degrade?', 'solar', ' '),
  id: fc.constantFrom('a1', 'missing', 'a%2F..%2F..'),
  tenant: fc.constantFrom('acme', 'globex'),
};

function fromSchema(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 2 });
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      const maxLength = Math.min(schema.maxLength ?? 60, 60);
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? Infinity));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.max(maxLength, schema.minLength ?? 0) });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 1000) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema(schema.items, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object': {
      if (!schema.properties) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(schema.properties))
        record[k] = STEER[k]
          ? fc.oneof({ weight: 3, arbitrary: STEER[k] }, { weight: 1, arbitrary: fromSchema(v, depth + 1) })
          : fromSchema(v, depth + 1);
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => k in record) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Bodies a careless or hostile client sends. */
const malformedBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.constant('{"query": '),
  fc.constant('x'.repeat(BODY_LIMIT + 10)),
  fc.constant(JSON.stringify({ query: 'q'.repeat(100_000), documents: [{ text: 't'.repeat(100_000) }] })),
  fc.constant(`${'['.repeat(5_000)}${']'.repeat(5_000)}`),
  fc.constant(`${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`),
  // A fresh array each time: fetch may detach the buffer it sends.
  fc.constant(null).map(() => new Uint8Array([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
  fc.constant('{"__proto__": {"polluted": true}, "query": "x"}'),
  fc
    .record({
      query: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string())),
      topK: fc.oneof(fc.string(), fc.double()),
      documents: fc.string(),
    })
    .map((v) => JSON.stringify(v)),
);

const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const randomHeaders = fc.dictionary(
  fc.constantFrom('x-tenant', 'x-request-id', 'accept-encoding', 'accept', 'origin', 'x-api-key', 'content-type', 'x-forwarded-for'),
  headerValue,
  { maxKeys: 3 },
);
const timeoutHeader = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('abc', '-5', '0', '2s', '10000', '1.5s') },
);

let srv: TestServer;
let operations: Operation[];
let tokens: string[];

before(async () => {
  srv = await startTestServer({
    RAGD_SERVICE_TOKEN: SERVICE_TOKEN,
    RAGD_JWT_SECRET: JWT_SECRET,
    RAGD_JWT_ISSUER: JWT_ISSUER,
    RAGD_JWT_AUDIENCE: JWT_AUDIENCE,
    RAGD_RATE_LIMIT: 'on',
    RAGD_RATE_LIMIT_PER_MINUTE: '100000',
    RAGD_BODY_LIMIT_BYTES: String(BODY_LIMIT),
  });
  const seeded = await call(
    srv.url,
    'POST',
    '/api/v1/rag/documents',
    {
      collection: 'kb',
      documents: [
        { id: 'a1', title: 'Solar', text: 'Solar panels convert sunlight into electricity. Panels degrade by half a percent per year.' },
      ],
    },
    service('acme'),
  );
  assert.equal(seeded.status, 201, seeded.text);
  const spec = (await call(srv.url, 'GET', '/openapi.json')).body as {
    paths: Record<
      string,
      Record<string, { parameters?: Operation['params']; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
    >;
  };
  operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
    })),
  );
  assert.ok(operations.length >= 10, `only ${operations.length} operations in /openapi.json`);
  tokens = [
    await jwt({ sub: 'fuzz', tenant: 'acme', scope: 'query ingest admin' }),
    await jwt({ sub: 'fuzz', tenant: 'acme', scope: 'query' }),
    await jwt({ sub: 'fuzz', tenant: 'acme', scope: 'query', exp: 1 }),
  ];
});

after(async () => {
  await srv.stop();
});

test(`fuzz: ${RUNS} generated requests against every documented route`, { timeout: 180_000 }, async (t) => {
  const seen = new Map<string, number>();
  const request = fc
    .record({
      op: fc.nat({ max: 10_000 }).map((i) => operations[i % operations.length]!),
      auth: fc.constantFrom(
        'service',
        'service',
        'service',
        'service',
        'jwt-admin',
        'jwt-admin',
        'jwt-query',
        'jwt-expired',
        'none',
        'garbage-bearer',
        'basic',
      ),
      tenant: fc.oneof(
        { weight: 6, arbitrary: fc.constant('acme') },
        { weight: 1, arbitrary: fc.constant('globex') },
        { weight: 1, arbitrary: headerValue },
      ),
      headers: fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: randomHeaders }),
      timeout: timeoutHeader,
      valid: fc.nat({ max: 3 }).map((n) => n > 0),
      seed: fc.nat(),
    })
    .chain((r) =>
      fc.record({
        r: fc.constant(r),
        body: r.valid ? fromSchema(r.op.body).map((v) => JSON.stringify(v) as string | Uint8Array) : malformedBody,
        pathValues: fc.tuple(
          ...r.op.params.filter((p) => p.in === 'path').map((p) => fc.oneof(STEER[p.name] ?? fc.string(), fc.string({ maxLength: 30 }))),
        ),
        query: fc.tuple(
          ...r.op.params
            .filter((p) => p.in === 'query')
            .map((p) =>
              fc.option(fc.oneof(STEER[p.name] ?? fromSchema(p.schema), fc.string({ maxLength: 20 }), fc.integer()), { nil: undefined }),
            ),
        ),
      }),
    );

  const property = fc.asyncProperty(request, async ({ r, body, pathValues, query }) => {
    const pathParams = r.op.params.filter((p) => p.in === 'path');
    let path = r.op.path;
    pathParams.forEach((p, i) => (path = path.replace(`{${p.name}}`, encodeURIComponent(String(pathValues[i])))));
    const qs = new URLSearchParams();
    r.op.params.filter((p) => p.in === 'query').forEach((p, i) => query[i] !== undefined && qs.set(p.name, String(query[i])));
    const headers: Record<string, string> = { ...r.headers };
    if (r.timeout !== undefined) headers['x-request-timeout'] = r.timeout;
    if (r.auth === 'service') Object.assign(headers, { 'x-service-token': SERVICE_TOKEN, 'x-tenant': r.tenant });
    else if (r.auth.startsWith('jwt'))
      headers.authorization = `Bearer ${tokens[['jwt-admin', 'jwt-query', 'jwt-expired'].indexOf(r.auth)]!}`;
    else if (r.auth === 'garbage-bearer') headers.authorization = 'Bearer ragd_0000';
    else if (r.auth === 'basic') headers.authorization = 'Basic dXNlcjpwYXNz';
    const withBody = r.op.method === 'POST' || r.op.method === 'PUT' || (r.op.method === 'DELETE' && r.seed % 4 === 0);
    if (withBody) headers['content-type'] ??= 'application/json';
    const url = `${path}${qs.size ? `?${qs}` : ''}`;
    const res = await call(srv.url, r.op.method, url, withBody ? body : undefined, headers);
    const where = `${r.op.method} ${url} -> ${res.status} ${res.text.slice(0, 300)}`;
    seen.set(`${r.op.method} ${r.op.path} ${res.status}`, (seen.get(`${r.op.method} ${r.op.path} ${res.status}`) ?? 0) + 1);
    assert.ok(res.status < 500, where);
    if (res.status >= 400) {
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, where);
      assert.equal(res.body.status, res.status, where);
      assert.match(String(res.body.code), /^RAGD_ERR_[A-Z0-9_]+$/, where);
      assert.equal(typeof res.body.type, 'string', where);
      assert.equal(typeof res.body.title, 'string', where);
    }
  });
  // fc.check rather than fc.assert: the report then carries the failing assertion's own message.
  const out = await fc.check(property, { seed: SEED, numRuns: RUNS, endOnFailure: true });
  if (out.failed) assert.fail(`${fc.defaultReportMessage(out) ?? 'property failed'}\n${String(out.errorInstance)}`);

  t.diagnostic(
    [...seen]
      .sort()
      .map(([k, n]) => `${k} x${n}`)
      .join('; '),
  );
  // Reached handlers, not only the edge: some generated requests succeeded.
  assert.ok(
    [...seen.keys()].some((k) => / 2\d\d$/.test(k)),
    [...seen.keys()].join('\n'),
  );
  assert.equal((await call(srv.url, 'GET', '/health/live')).status, 200);
  assert.ok(!srv.logs.some((l) => Number(l.level) >= 50), JSON.stringify(srv.logs.find((l) => Number(l.level) >= 50)));
});
