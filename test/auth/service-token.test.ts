import { test, describe, mock } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSecret, MIN_SECRET_BYTES } from '../../src/auth/secrets.js';
import { ServiceTokenVerifier } from '../../src/auth/service-token.js';
import { isRagdError } from '../../src/errors/ragd-error.js';

const SECRET = 's'.repeat(40);

describe('service token', () => {
  test('a secret shorter than 32 bytes is RAGD_ERR_CONFIG with a clear message', () => {
    assert.throws(
      () => loadSecret({ name: 'RAGD_SERVICE_TOKEN', value: 'short' }),
      (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG' && /RAGD_SERVICE_TOKEN is 5 bytes; it must be at least 32 bytes/.test(err.message),
    );
    assert.throws(() => new ServiceTokenVerifier('x'.repeat(MIN_SECRET_BYTES - 1)), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_CONFIG');
  });

  test('secrets load from a value or a file (one trailing newline ignored), not both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragd-secret-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, `${SECRET}\n`);
      assert.equal(loadSecret({ name: 'T', file })!.toString(), SECRET);
      assert.equal(loadSecret({ name: 'T', value: SECRET })!.toString(), SECRET);
      assert.equal(loadSecret({ name: 'T' }), undefined);
      assert.throws(() => loadSecret({ name: 'T', value: SECRET, file }), /not both/);
      assert.throws(() => loadSecret({ name: 'T', file: join(dir, 'missing') }), /T_FILE could not be read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('verify: right token -> service principal with all scopes and the X-Tenant tenant', () => {
    const v = new ServiceTokenVerifier(SECRET);
    assert.deepEqual(v.verify(SECRET), { kind: 'service', id: 'service', name: 'service token', tenant: 'default', scopes: ['query', 'ingest', 'admin'] });
    assert.equal(v.verify(SECRET, 'acme').tenant, 'acme');
    assert.throws(() => v.verify(SECRET, 'bad tenant!'), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_VALIDATION');
    for (const wrong of ['', SECRET.slice(1), SECRET + 's', 'S'.repeat(40)]) {
      assert.throws(() => v.verify(wrong), (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_UNAUTHORIZED');
    }
  });

  test('comparison is crypto.timingSafeEqual on equal-length SHA-256 digests, whatever the input length', () => {
    const v = new ServiceTokenVerifier(SECRET);
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      v.matches('x');
      v.matches(SECRET);
      v.matches('y'.repeat(500));
      assert.equal(spy.mock.callCount(), 3);
      for (const call of spy.mock.calls) {
        const [a, b] = call.arguments as [Buffer, Buffer];
        assert.equal(a.length, 32);
        assert.equal(b.length, 32);
      }
    } finally {
      spy.mock.restore();
    }
  });
});
