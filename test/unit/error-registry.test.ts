import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_REGISTRY, problemType } from '../../src/errors/registry.js';
import { RagdError } from '../../src/errors/ragd-error.js';
import { renderProblem } from '../../src/server/problem.js';

test('every error code is documented in docs/errors.md with its status', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, spec] of Object.entries(ERROR_REGISTRY)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    assert.ok(row, `${code} is missing from docs/errors.md`);
    assert.ok(row.includes(`| ${spec.status} |`), `${code} has the wrong status in docs/errors.md`);
  }
});

test('problem bodies carry status equal to the HTTP status, a type URI and no stack', () => {
  for (const code of Object.keys(ERROR_REGISTRY) as (keyof typeof ERROR_REGISTRY)[]) {
    const p = renderProblem(new RagdError(code, 'x'), { requestId: 'r1', instance: '/p' });
    assert.equal(p.body.status, p.status);
    assert.equal(p.body.type, problemType(code));
    assert.equal(p.body.code, code);
    assert.equal(p.body.requestId, 'r1');
    assert.equal((p.body as Record<string, unknown>).stack, undefined);
    assert.match(p.headers['content-type']!, /^application\/problem\+json/);
  }
});

test('unknown errors become a generic 500 without internal details', () => {
  const p = renderProblem(new Error('secret connection string postgres://u:p@h'));
  assert.equal(p.status, 500);
  assert.equal(p.body.code, 'RAGD_ERR_INTERNAL');
  assert.doesNotMatch(JSON.stringify(p.body), /secret|postgres/);
});

test('retryable errors get Retry-After', () => {
  const p = renderProblem(new RagdError('RAGD_ERR_CIRCUIT_OPEN', 'open', { retryAfterSeconds: 12.2 }));
  assert.equal(p.headers['retry-after'], '13');
});
