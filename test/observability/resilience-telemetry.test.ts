// The bulkhead gauges are read from the bulkheads when metrics are scraped, not written per call.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createMetrics } from '../../src/observability/metrics.js';
import { subscribeResilienceTelemetry } from '../../src/observability/resilience-telemetry.js';
import { ResilienceRegistry } from '../../src/resilience/registry.js';

const metrics = createMetrics({ collectDefault: false });
after(() => metrics.close());

const gauge = async (name: string, dependency: string): Promise<number | undefined> => {
  const body = (await metrics.exposition()).body;
  const line = body.split('\n').find((l) => l.startsWith(`${name}{name="${dependency}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

describe('resilience telemetry', () => {
  test('bulkhead_active and bulkhead_queued are what the bulkhead holds at the scrape; calls only record their outcome', async () => {
    const registry = new ResilienceRegistry({ config: { dependencies: { embedding: { bulkhead: { maxConcurrent: 1, maxQueue: 5 } } } } });
    const scrapes: Array<() => void> = [];
    subscribeResilienceTelemetry(registry, metrics, pino({ level: 'silent' }), (read) => scrapes.push(read));
    assert.equal(scrapes.length, 1, 'one reader registered');
    const scrape = (): void => scrapes.forEach((read) => read());
    const pipeline = registry.get('embedding');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = pipeline.execute(async () => held, { deadline: Date.now() + 60_000 });
    const queued = pipeline.execute(async () => 'second', { deadline: Date.now() + 60_000 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await gauge('bulkhead_active', 'embedding'), undefined, 'not written by the calls themselves');
    scrape();
    assert.equal(await gauge('bulkhead_active', 'embedding'), 1);
    assert.equal(await gauge('bulkhead_queued', 'embedding'), 1);
    release();
    await running;
    assert.equal(await queued, 'second');
    scrape();
    assert.equal(await gauge('bulkhead_active', 'embedding'), 0);
    assert.equal(await gauge('bulkhead_queued', 'embedding'), 0);
    assert.match((await metrics.exposition()).body, /provider_requests_total\{dependency="embedding",provider="default",outcome="success"\} 2/);
  });
});
