// The process logger's own pieces: the per-millisecond ISO timestamp writes what pino's isoTime
// writes, and lines still carry it and stay redacted.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { cachedIsoTime, createLogger } from '../../src/observability/logger.js';

describe('cachedIsoTime', () => {
  test("writes pino's isoTime field, formatting once per millisecond", () => {
    let now = Date.UTC(2025, 10, 22, 8, 30, 0, 123);
    const time = cachedIsoTime(() => now);
    const realNow = Date.now;
    try {
      for (const step of [0, 0, 1, 999, 86_400_000]) {
        now += step;
        Date.now = () => now;
        assert.equal(time(), pino.stdTimeFunctions.isoTime());
      }
    } finally {
      Date.now = realNow;
    }
    const first = time();
    assert.equal(time(), first, 'the same string object within a millisecond');
  });
});

describe('createLogger', () => {
  test('lines carry the ISO time and the service, and credentials stay redacted', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const now = Date.UTC(2025, 0, 2, 3, 4, 5, 6);
    const log = createLogger({ level: 'info', destination: sink, now: () => now });
    log.info({ token: 'secret-value', headers: { authorization: 'Bearer x' } }, 'hello');
    assert.deepEqual(lines, [
      {
        level: 30,
        time: '2025-01-02T03:04:05.006Z',
        service: 'ragd',
        token: '[redacted]',
        headers: { authorization: '[redacted]' },
        msg: 'hello',
      },
    ]);
  });
});
