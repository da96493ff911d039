/**
 * ResilientGenerator with its breaker open: refused before a stream is built, counted and reported
 * once, the same as streamWithFallback's refusal; a caller that already left gets its abort error.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RagdError } from '../../src/errors/ragd-error.js';
import { ExtractiveGenerator } from '../../src/providers/extractive/extractive-generator.js';
import type { GenerateEvent, Generator } from '../../src/providers/generator.js';
import { ResilientGenerator } from '../../src/providers/resilient-generator.js';
import { ResilienceRegistry } from '../../src/resilience/registry.js';

const request = { question: 'How many days of leave?', sources: [{ index: 1, title: 'Leave', text: 'Employees get 25 days of leave.' }] };
const code = (e: unknown): string | undefined => (e instanceof RagdError ? e.code : undefined);

async function drain(events: AsyncIterable<GenerateEvent>): Promise<GenerateEvent[]> {
  const out: GenerateEvent[] = [];
  for await (const ev of events) out.push(ev);
  return out;
}

function openBreaker(registry: ResilienceRegistry, name: string): void {
  const breaker = registry.get(name).breaker;
  for (let i = 0; i < 5; i++) breaker.acquire().failure();
  assert.equal(breaker.state, 'open');
}

describe('ResilientGenerator', () => {
  test('one generator, breaker open: rejects with RAGD_ERR_CIRCUIT_OPEN without calling it, one rejection and one outcome', async () => {
    const registry = new ResilienceRegistry();
    const outcomes: string[] = [];
    registry.events.on('callOutcome', (e) => outcomes.push(e.outcome));
    let called = 0;
    const g: Generator = Object.assign(new ExtractiveGenerator(), { kind: 'openai' as const, model: 'm' });
    g.stream = () => (called++, new ExtractiveGenerator().stream(request, { signal: new AbortController().signal }));
    openBreaker(registry, 'generation:openai');
    const err = await drain(new ResilientGenerator([g], registry).stream(request, { signal: new AbortController().signal })).catch((e: unknown) => e);
    assert.equal(code(err), 'RAGD_ERR_CIRCUIT_OPEN');
    assert.equal(called, 0);
    assert.equal(registry.get('generation:openai').breaker.snapshot().totals.rejections, 1);
    assert.deepEqual(outcomes, ['circuit_open']);
  });

  test('an aborted caller gets its abort error', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await drain(new ResilientGenerator([new ExtractiveGenerator()], new ResilienceRegistry()).stream(request, { signal: controller.signal })).catch((e: unknown) => e);
    assert.equal(code(err), 'RAGD_ERR_CLIENT_CLOSED');
  });

  test('a closed breaker streams the answer, model event first', async () => {
    const events = await drain(new ResilientGenerator([new ExtractiveGenerator()], new ResilienceRegistry()).stream(request, { signal: new AbortController().signal }));
    assert.deepEqual(events[0], { type: 'model', provider: 'extractive', model: 'extractive-v1' });
    assert.equal(events.filter((e) => e.type === 'delta').length, 1);
  });
});
