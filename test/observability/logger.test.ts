// The process logger's own pieces: the per-millisecond ISO timestamp writes what pino's isoTime
// writes, and lines still carry it and stay redacted.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { cachedIsoTime, createLogger } from '../../src/observability/logger.js';
import { ISO_TIME_FIELD_MAX_BYTES, IsoTimeField } from '../../src/observability/iso-time-field.js';

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

  test('text and bytes are the isoTime field at every millisecond, across seconds, days, a step back and extended years', () => {
    let now = 0;
    const field = new IsoTimeField(() => now);
    const buf = Buffer.alloc(ISO_TIME_FIELD_MAX_BYTES + 8);
    const expect = () => `,"time":"${new Date(now).toISOString()}"`;
    const check = () => {
      assert.equal(field.text(), expect(), String(now));
      assert.equal(buf.toString('latin1', 0, field.writeInto(buf, 0)), expect(), String(now));
    };
    for (const start of [Date.UTC(2026, 11, 3, 23, 59, 58, 990), Date.UTC(1969, 11, 31, 23, 59, 59, 0), 8.64e15 - 2200, -8.64e15]) {
      for (let i = 0; i < 2_100; i += 7) {
        now = start + i;
        check();
      }
    }
    now = Date.UTC(2026, 0, 1, 0, 0, 5, 500);
    check();
    now -= 3_000; // a clock step back
    check();
    now += 0.75; // a fractional clock: truncated, as Date does
    check();
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
