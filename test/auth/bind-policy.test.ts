import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAuthEnabled } from '../../src/auth/auth-mode.js';
import { checkBindPolicy, isLoopbackHost } from '../../src/auth/bind-policy.js';

describe('bind policy', () => {
  test('loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1', 'LOCALHOST']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '', '10.0.0.1', '192.168.1.5', 'example.com', '128.0.0.1', '::ffff:10.0.0.1']) assert.ok(!isLoopbackHost(h), h);
  });

  test('no credentials on a public address -> refuse with a message naming the fixes', () => {
    const r = checkBindPolicy({ host: '0.0.0.0', authEnabled: false, credentialsConfigured: false, authSetting: undefined });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && /refusing to listen on 0\.0\.0\.0/.test(r.message) && /RAGD_AUTH=off/.test(r.message) && /RAGD_SERVICE_TOKEN/.test(r.message));
    assert.equal(checkBindPolicy({ host: '::', authEnabled: true, credentialsConfigured: false, authSetting: 'on' }).ok, false);
  });

  test('no credentials on loopback -> ok (the default developer setup)', () => {
    assert.deepEqual(checkBindPolicy({ host: '127.0.0.1', authEnabled: false, credentialsConfigured: false, authSetting: undefined }), { ok: true });
  });

  test('credentials configured and auth on -> ok anywhere', () => {
    assert.deepEqual(checkBindPolicy({ host: '0.0.0.0', authEnabled: true, credentialsConfigured: true, authSetting: 'auto' }), { ok: true });
  });

  test('RAGD_AUTH=off on a public address -> ok with a warning', () => {
    const r = checkBindPolicy({ host: '0.0.0.0', authEnabled: false, credentialsConfigured: false, authSetting: 'off' });
    assert.ok(r.ok && r.warning && /RAGD_AUTH=off/.test(r.warning));
  });

  test('RAGD_AUTH: auto follows credentials; on and off are explicit', () => {
    assert.equal(resolveAuthEnabled(undefined, false), false);
    assert.equal(resolveAuthEnabled('auto', true), true);
    assert.equal(resolveAuthEnabled('on', false), true);
    assert.equal(resolveAuthEnabled('off', true), false);
  });
});
