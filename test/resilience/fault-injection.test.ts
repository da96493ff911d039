import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import { FaultInjector } from '../../src/resilience/fault-injection.js';
import { FakeRuntime } from './fake-runtime.js';

const code = (e: unknown): string | undefined => (e instanceof RagdError ? e.code : undefined);
const live = (): AbortSignal => new AbortController().signal;

describe('FaultInjector', () => {
  test('is off unless enabled', () => {
    const faults = new FaultInjector();
    assert.equal(faults.enabled, false);
    assert.throws(() => faults.set('embedding', [{ kind: 'timeout' }]), (e: unknown) => code(e) === 'RAGD_ERR_FORBIDDEN');
    assert.equal(faults.has('embedding'), false);
  });

  test('set validates rules; list and clear', () => {
    const faults = new FaultInjector({ enabled: true });
    const bad: unknown[] = [null, { kind: 'explode' }, { kind: 'latency', ms: -1 }, { kind: 'latency', ms: 1e9 }, { kind: 'error', code: 'NOPE' }, { kind: 'timeout', rate: 2 }, { kind: 'error', code: 'RAGD_ERR_TIMEOUT', retryAfterSeconds: -1 }];
    for (const rule of bad) {
      assert.throws(() => faults.set('embedding', [rule]), (e: unknown) => code(e) === 'RAGD_ERR_VALIDATION', JSON.stringify(rule));
    }
    assert.throws(() => faults.set('embedding', { kind: 'timeout' }), (e: unknown) => code(e) === 'RAGD_ERR_VALIDATION');
    faults.set('embedding', [{ kind: 'latency', ms: 50, rate: 0.5 }]);
    faults.set('redis', [{ kind: 'timeout' }]);
    assert.deepEqual(faults.list(), { embedding: [{ kind: 'latency', ms: 50, rate: 0.5 }], redis: [{ kind: 'timeout' }] });
    faults.clear('redis');
    assert.deepEqual(Object.keys(faults.list()), ['embedding']);
    faults.set('embedding', []);
    assert.deepEqual(faults.list(), {});
    faults.set('redis', [{ kind: 'timeout' }]);
    faults.clear();
    assert.deepEqual(faults.list(), {});
  });

  test('an error rule throws the configured code, marked as injected', async () => {
    const faults = new FaultInjector({ enabled: true });
    faults.set('generation', [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_RATE_LIMITED', retryAfterSeconds: 3 }]);
    await assert.rejects(faults.apply('generation', live()), (e: unknown) => {
      const err = e as RagdError;
      return err.code === 'RAGD_ERR_PROVIDER_RATE_LIMITED' && err.retryAfterSeconds === 3 && err.details?.injected === true;
    });
  });

  test('a rate fires only when the injected random is below it', async () => {
    const rt = new FakeRuntime(0, 0.3);
    const faults = new FaultInjector({ enabled: true, runtime: rt });
    faults.set('vector_search', [{ kind: 'error', code: 'RAGD_ERR_STORE_UNAVAILABLE', rate: 0.5 }]);
    await assert.rejects(faults.apply('vector_search', live()));
    rt.setRandom(0.7);
    await faults.apply('vector_search', live());
  });

  test('a latency rule waits with the injected sleep, then lets the call go on', async () => {
    const rt = new FakeRuntime(0);
    const faults = new FaultInjector({ enabled: true, runtime: rt });
    faults.set('database', [{ kind: 'latency', ms: 250 }]);
    await faults.apply('database', live());
    assert.deepEqual(rt.sleeps, [250]);
    assert.equal(rt.now(), 250);
  });

  test('a timeout rule hangs until the signal aborts, then rejects with its reason', async () => {
    const faults = new FaultInjector({ enabled: true });
    faults.set('redis', [{ kind: 'timeout' }]);
    const controller = new AbortController();
    const p = faults.apply('redis', controller.signal);
    controller.abort(new RagdError('RAGD_ERR_TIMEOUT'));
    await assert.rejects(p, (e: unknown) => code(e) === 'RAGD_ERR_TIMEOUT');
  });

  test('rules on a base name apply to its instances', async () => {
    const faults = new FaultInjector({ enabled: true });
    faults.set('generation', [{ kind: 'error', code: 'RAGD_ERR_PROVIDER_UNAVAILABLE' }]);
    assert.equal(faults.has('generation:ollama'), true);
    assert.equal(faults.has('embedding'), false);
    await assert.rejects(faults.apply('generation:ollama', live()));
  });
});
