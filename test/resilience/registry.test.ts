import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import { FaultInjector } from '../../src/resilience/fault-injection.js';
import { ResilienceRegistry } from '../../src/resilience/registry.js';
import { resolvePolicy } from '../../src/resilience/policy.js';
import { FakeRuntime } from './fake-runtime.js';

const code = (e: unknown): string | undefined => (e instanceof RagdError ? e.code : undefined);

describe('ResilienceRegistry', () => {
  test('resolves policy: built-in defaults < defaults < base name < instance', () => {
    const config = {
      defaults: { timeoutMs: 10_000, retry: { maxAttempts: 2 } },
      dependencies: { generation: { bulkhead: { maxConcurrent: 4 }, retry: { maxAttempts: 1 } }, 'generation:openai': { bulkhead: { maxConcurrent: 8 } } },
    };
    const ollama = resolvePolicy(config, 'generation:ollama');
    const openai = resolvePolicy(config, 'generation:openai');
    const redis = resolvePolicy(config, 'redis');
    assert.deepEqual([ollama.timeoutMs, ollama.retry.maxAttempts, ollama.bulkhead.maxConcurrent, ollama.bulkhead.maxQueue], [10_000, 1, 4, 40]);
    assert.equal(openai.bulkhead.maxConcurrent, 8);
    assert.deepEqual([redis.retry.maxAttempts, redis.breaker.failureThreshold], [2, 5]);
  });

  test('creates one pipeline per name, preloads configured ones, rejects bad names', () => {
    const registry = new ResilienceRegistry({ config: { dependencies: { redis: {} } }, preload: ['embedding'] });
    assert.deepEqual(registry.names(), ['embedding', 'redis']);
    assert.equal(registry.get('generation:ollama'), registry.get('generation:ollama'));
    for (const bad of ['', 'Generation', 'a b', 'x:', ':y', 'a:b:c']) {
      assert.throws(() => registry.get(bad), (e: unknown) => code(e) === 'RAGD_ERR_CONFIG', bad);
    }
    assert.throws(() => new ResilienceRegistry({ config: { dependencies: { redis: { breaker: { failureThreshold: 0 } } } } }), (e: unknown) => code(e) === 'RAGD_ERR_CONFIG');
  });

  test('snapshot lists every dependency with breaker, bulkhead and retry budget', () => {
    const rt = new FakeRuntime(42_000);
    const registry = new ResilienceRegistry({ runtime: rt, preload: ['redis', 'embedding'] });
    const snap = registry.snapshot();
    assert.equal(snap.at, 42_000);
    assert.deepEqual(snap.dependencies.map((d) => d.name), ['embedding', 'redis']);
    const e = snap.dependencies[0]!;
    assert.deepEqual(Object.keys(e).sort(), ['breaker', 'bulkhead', 'name', 'retryBudget']);
    assert.equal(e.breaker.state, 'closed');
    assert.equal(e.breaker.openUntil, null);
  });

  test('publishes each state change once, plus failures, retries, rejections and call outcomes', async () => {
    const rt = new FakeRuntime(0, 0);
    const registry = new ResilienceRegistry({
      runtime: rt,
      config: { dependencies: { embedding: { breaker: { failureThreshold: 2, successThreshold: 1 }, bulkhead: { maxConcurrent: 1, maxQueue: 0 } } } },
    });
    const seen: string[] = [];
    registry.events.on('stateChange', (c) => seen.push(`${c.name}:${c.from}->${c.to}`));
    registry.events.on('failure', (f) => seen.push(`failure:${f.attempt}`));
    registry.events.on('retry', (r) => seen.push(`retry:${r.attempt}`));
    registry.events.on('bulkheadRejected', (b) => seen.push(`rejected:${b.name}`));
    registry.events.on('callOutcome', (o) => seen.push(`outcome:${o.outcome}:${o.attempts}`));
    const pipeline = registry.get('embedding');
    const down = async (): Promise<never> => Promise.reject(new RagdError('RAGD_ERR_PROVIDER_UNAVAILABLE'));
    await pipeline.execute(down, { idempotent: true }).catch(() => undefined);
    let release: () => void = () => undefined;
    rt.advance(60_000);
    const trial = pipeline.execute(() => new Promise<string>((r) => (release = () => r('ok'))));
    await pipeline.execute(async () => 'x').catch(() => undefined);
    release();
    await trial;
    assert.deepEqual(seen, [
      'failure:1',
      'retry:2',
      'embedding:closed->open',
      'failure:2',
      'outcome:failure:2',
      'embedding:open->half_open',
      'outcome:circuit_open:0', // the trial holds the only half-open slot
      'embedding:half_open->closed',
      'outcome:success:1',
    ]);
    assert.equal(seen.filter((s) => s.includes('->')).length, 3);
  });

  test('a throwing listener never fails the call; its error goes to onListenerError', async () => {
    const errors: unknown[] = [];
    const registry = new ResilienceRegistry({ onListenerError: (e) => errors.push(e) });
    registry.events.on('callOutcome', () => {
      throw new Error('metrics bug');
    });
    assert.equal(await registry.get('redis').execute(async () => 1), 1);
    assert.equal(errors.length, 1);
  });

  test('reportFallback publishes fallback events', () => {
    const registry = new ResilienceRegistry();
    const seen: unknown[] = [];
    registry.events.on('fallback', (e) => seen.push(e));
    registry.reportFallback({ from: 'openai', to: 'ollama', code: 'RAGD_ERR_CIRCUIT_OPEN' });
    assert.deepEqual(seen, [{ from: 'openai', to: 'ollama', code: 'RAGD_ERR_CIRCUIT_OPEN' }]);
  });

  test('shares its fault injector with every pipeline', async () => {
    const faults = new FaultInjector({ enabled: true });
    const registry = new ResilienceRegistry({ faults });
    registry.faults.set('database', [{ kind: 'error', code: 'RAGD_ERR_STORE_UNAVAILABLE' }]);
    await assert.rejects(registry.get('database').execute(async () => 1), (e: unknown) => code(e) === 'RAGD_ERR_STORE_UNAVAILABLE');
  });
});
