// The hand-serialised access line writes the very bytes pino writes for the same call, and falls
// back to pino itself wherever its set-up would change those bytes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import fc from 'fast-check';
import { ACCESS_LINE_MESSAGE, accessLineWriter, durationText, jsonString, requestSegment, type AccessFields } from '../../src/observability/access-line.js';
import { createLogger } from '../../src/observability/logger.js';
import { LineDestination } from '../../src/observability/log-destination.js';
import { writeDuration, writeNumber } from '../../src/observability/access-line-bytes.js';

function sink(): { stream: Writable; chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, chunks };
}

/** What pino itself writes for `fields` (undefined values are skipped, as pino skips them). */
function viaPino(make: (dest: Writable) => Logger, level: 'info' | 'error', fields: AccessFields): string {
  const s = sink();
  make(s.stream)[level](fields, ACCESS_LINE_MESSAGE);
  return s.chunks.join('');
}

function viaWriter(make: (dest: Writable) => Logger, level: 'info' | 'error', fields: AccessFields): string {
  const s = sink();
  accessLineWriter(make(s.stream))(level, fields);
  return s.chunks.join('');
}

const NOW = Date.UTC(2026, 11, 2, 1, 2, 3, 456);
const ragdLogger = (dest: Writable) => createLogger({ level: 'info', destination: dest, now: () => NOW });

const CASES: [string, 'info' | 'error', AccessFields][] = [
  ['a plain hit', 'info', { reqId: '6f05ccb2-164d-44b6-882c-0f40bba37aba', method: 'POST', route: '/api/v1/rag/query', url: '/api/v1/rag/query', status: 200, durationMs: 0.41, cache: 'exact' }],
  ['a 404 without a route', 'info', { reqId: 'r-1', method: 'GET', route: 'unmatched', url: '/nope?x=1', status: 404, durationMs: 1 }],
  [
    'a degraded answer with a trace id',
    'info',
    { reqId: 'abc.def:1', method: 'POST', route: '/api/v1/rag/query', url: '/api/v1/rag/query', status: 200, durationMs: 12.15, traceId: '0af7651916cd43dd8448eb211c80319c', cache: 'miss', degraded: ['generation_unavailable', 'embedding_unavailable'] },
  ],
  ['a 5xx at error level', 'error', { reqId: 'x', method: 'POST', route: '/api/v1/rag/search', url: '/api/v1/rag/search', status: 503, durationMs: 30000.5 }],
  ['strings that need escaping', 'info', { reqId: 'q"\\\u0001', method: 'GET', route: '/health/live', url: '/a"b\\c\u0007\u00e9?q=\u2028', status: 200, durationMs: 0 }],
];

describe('accessLineWriter', () => {
  for (const [name, level, fields] of CASES) {
    test(`writes pino's bytes: ${name}`, () => {
      const expected = viaPino(ragdLogger, level, fields);
      assert.ok(expected.endsWith('\n'));
      assert.equal(viaWriter(ragdLogger, level, fields), expected);
      const parsed = JSON.parse(expected) as Record<string, unknown>;
      assert.equal(parsed.msg, ACCESS_LINE_MESSAGE);
      assert.equal(parsed.service, 'ragd');
      assert.equal(parsed.url, fields.url);
    });
  }

  test('writes nothing when the level is off', () => {
    const s = sink();
    accessLineWriter(createLogger({ level: 'error', destination: s.stream }))('info', CASES[0]![2]);
    accessLineWriter(createLogger({ level: 'silent', destination: s.stream }))('error', CASES[3]![2]);
    assert.deepEqual(s.chunks, []);
  });

  test("a child logger's bindings are in the line, as pino writes them", () => {
    const child = (dest: Writable) => ragdLogger(dest).child({ component: 'http' });
    assert.equal(viaWriter(child, 'info', CASES[2]![2]), viaPino(child, 'info', CASES[2]![2]));
  });

  test('set-ups that change the bytes go through pino itself (mixin, log formatter, message key, custom level formatter)', () => {
    const setups: ((dest: Writable) => Logger)[] = [
      (dest) => pino({ mixin: () => ({ extra: 1 }) }, dest),
      (dest) => pino({ formatters: { log: (o) => ({ ...o, wrapped: true }) } }, dest),
      (dest) => pino({ messageKey: 'message' }, dest),
      (dest) => pino({ formatters: { level: (label) => ({ severity: label.toUpperCase() }) }, timestamp: false }, dest),
      (dest) => pino({ nestedKey: 'payload', timestamp: false }, dest),
    ];
    for (const make of setups) {
      const fields = CASES[2]![2];
      const a = JSON.parse(viaWriter(make, 'info', fields).replace(/"time":\d+/, '"time":0')) as unknown;
      const b = JSON.parse(viaPino(make, 'info', fields).replace(/"time":\d+/, '"time":0')) as unknown;
      assert.deepEqual(a, b);
    }
  });

  test('a logger that is not pino gets the fields through its level method', () => {
    const calls: [string, unknown, unknown][] = [];
    const fake = {
      info: (o: unknown, m: unknown) => calls.push(['info', o, m]),
      error: (o: unknown, m: unknown) => calls.push(['error', o, m]),
    } as unknown as Logger;
    accessLineWriter(fake)('error', { reqId: 'a', method: 'GET', route: '/x', url: '/x', status: 500, durationMs: 2, cache: undefined });
    assert.deepEqual(calls, [['error', { reqId: 'a', method: 'GET', route: '/x', url: '/x', status: 500, durationMs: 2 }, ACCESS_LINE_MESSAGE]]);
  });
});

/** ragd's logger on a LineDestination whose writes land in memory: the writer encodes lines as bytes into its buffer. */
function lineDestinationLogger(now: () => number): { logger: Logger; dest: LineDestination; written: () => string } {
  const out: Buffer[] = [];
  const fs = {
    writeSync(_fd: number, buffer: Buffer, offset: number, length: number): number {
      out.push(Buffer.from(buffer.subarray(offset, offset + length)));
      return length;
    },
  };
  const dest = new LineDestination({ fs, schedule: () => {}, flushOnExit: false });
  const logger = createLogger({ level: 'info', destination: dest, now });
  return {
    logger,
    dest,
    written: () => {
      dest.flushSync();
      return Buffer.concat(out.splice(0)).toString('utf8');
    },
  };
}

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const anyText = fc.oneof(printable, fc.string({ unit: 'binary', maxLength: 40 }));
const fieldsArb: fc.Arbitrary<AccessFields> = fc.record(
  {
    reqId: anyText,
    method: fc.constantFrom('GET', 'POST', 'DELETE'),
    route: fc.oneof(fc.constantFrom('/api/v1/rag/query', 'unmatched'), printable),
    url: fc.oneof(printable, anyText, fc.string({ minLength: 250, maxLength: 400 })),
    status: fc.oneof(fc.constantFrom(200, 404, 503), fc.integer({ min: 0, max: 2e9 })),
    durationMs: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 100), fc.double({ noNaN: true, noDefaultInfinity: true })),
    traceId: fc.option(fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }), anyText), { nil: undefined }),
    cache: fc.option(fc.oneof(fc.constantFrom('exact', 'miss', 'semantic'), anyText), { nil: undefined }),
    degraded: fc.option(fc.array(anyText, { maxLength: 3 }), { nil: undefined }),
  },
  { requiredKeys: ['reqId', 'method', 'route', 'url', 'status', 'durationMs'] },
);

describe('the access line as bytes, straight into a LineDestination', () => {
  test("writes pino's bytes for the fixed cases and for random fields (escaping included, which goes the string way)", () => {
    let now = NOW;
    const { logger, written } = lineDestinationLogger(() => now);
    const write = accessLineWriter(logger);
    for (const [name, level, fields] of CASES) {
      write(level, fields);
      assert.equal(written(), viaPino(ragdLogger, level, fields), name);
    }
    fc.assert(
      fc.property(fieldsArb, fc.constantFrom<'info' | 'error'>('info', 'error'), fc.integer({ min: 0, max: 5_000 }), (fields, level, step) => {
        now += step;
        write(level, fields);
        const pinoLogger = (dest: Writable) => createLogger({ level: 'info', destination: dest, now: () => now });
        return written() === viaPino(pinoLogger, level, fields);
      }),
      { numRuns: 3000 },
    );
  });

  test('many lines in one batch come out whole and in order', () => {
    const { logger, written } = lineDestinationLogger(() => NOW);
    const write = accessLineWriter(logger);
    const expected: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const fields = { ...(CASES[i % CASES.length]![2]), reqId: `r-${i}` };
      const level = CASES[i % CASES.length]![1];
      write(level, fields);
      expected.push(viaPino(ragdLogger, level, fields));
    }
    assert.equal(written(), expected.join(''));
  });

  test('a line written later says when its request finished (`at`), on the bytes path and the string path alike', () => {
    const later = NOW + 61_000;
    const { logger, written } = lineDestinationLogger(() => later);
    const write = accessLineWriter(logger);
    const atLogger = (at: number) => (dest: Writable) => createLogger({ level: 'info', destination: dest, now: () => at });
    for (const [name, level, fields] of CASES) {
      for (const at of [NOW, NOW - 999, later - 1]) {
        write(level, { ...fields, at });
        assert.equal(written(), viaPino(atLogger(at), level, fields), `${name}, bytes path, at ${at}`);
        // Not ragd's destination (a stream): the string path, same bytes.
        assert.equal(viaWriter(atLogger(later), level, { ...fields, at }), viaPino(atLogger(at), level, fields), `${name}, string path, at ${at}`);
      }
    }
  });

  test('a line over maxPending is dropped and counted, and the destination keeps serving', () => {
    const out: Buffer[] = [];
    const fs = { writeSync: (_fd: number, b: Buffer, o: number, l: number) => (out.push(Buffer.from(b.subarray(o, o + l))), l) };
    const dest = new LineDestination({ fs, schedule: () => {}, flushOnExit: false, maxPending: 600 });
    const write = accessLineWriter(createLogger({ level: 'info', destination: dest, now: () => NOW }));
    write('info', CASES[0]![2]);
    write('info', CASES[0]![2]);
    assert.equal(dest.dropped, 1);
    dest.flushSync();
    write('info', CASES[0]![2]);
    dest.flushSync();
    assert.equal(Buffer.concat(out).toString('utf8'), viaPino(ragdLogger, 'info', CASES[0]![2]).repeat(2));
  });

  test('writeNumber and writeDuration write what String and durationText make', () => {
    const buf = Buffer.alloc(64);
    const text = (end: number) => buf.toString('latin1', 0, end);
    fc.assert(fc.property(fc.oneof(fc.integer({ min: 0, max: 2e9 }), fc.double()), (n) => text(writeNumber(buf, 0, n)) === String(n)), { numRuns: 5000 });
    for (const n of [0, 9, 10, 99, 100, 999_999_999, 1e9, -1, 1.5, Number.NaN]) assert.equal(text(writeNumber(buf, 0, n)), String(n), String(n));
    fc.assert(fc.property(fc.double(), (ms) => text(writeDuration(buf, 0, ms)) === durationText(ms)), { numRuns: 5000 });
    for (let n = 0; n <= 100_000; n++) assert.equal(text(writeDuration(buf, 0, n / 100)), durationText(n / 100));
  });
});

describe('the access line fast paths make the same bytes as JSON.stringify and String', () => {
  test('jsonString is JSON.stringify for any string (printable ASCII, quotes, backslashes, controls, non-ASCII, lone surrogates)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => jsonString(s) === JSON.stringify(s)), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme-ascii' }), (s) => jsonString(s) === JSON.stringify(s)), { numRuns: 2000 });
    for (const s of ['', '"', '\\', '\u007f', '\u001f', ' ~', '\ud800', 'caf\u00e9']) assert.equal(jsonString(s), JSON.stringify(s), s);
  });

  test('durationText is String for every duration, rounded to hundredths or not', () => {
    for (let n = 0; n <= 200_000; n++) {
      const ms = Math.round(n) / 100;
      assert.equal(durationText(ms), String(ms));
    }
    fc.assert(fc.property(fc.double(), (ms) => durationText(ms) === String(ms)), { numRuns: 5000 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), (n) => durationText(n / 100) === String(n / 100)), { numRuns: 5000 });
    for (const ms of [-0, -1.5, 0.005, 1e9, 1e9 - 0.01, 123456789.12, Number.NaN, Infinity, -Infinity, 0.1 + 0.2]) assert.equal(durationText(ms), String(ms), String(ms));
  });

  test('requestSegment is the three fields as JSON, follows a changed route, and stays bounded', () => {
    const expected = (m: string, r: string, u: string) => `,"method":${JSON.stringify(m)},"route":${JSON.stringify(r)},"url":${JSON.stringify(u)}`;
    assert.equal(requestSegment('POST', '/api/v1/rag/query', '/api/v1/rag/query'), expected('POST', '/api/v1/rag/query', '/api/v1/rag/query'));
    assert.equal(requestSegment('POST', '/api/v1/rag/query', '/api/v1/rag/query'), expected('POST', '/api/v1/rag/query', '/api/v1/rag/query'), 'remembered');
    assert.equal(requestSegment('POST', 'unmatched', '/api/v1/rag/query'), expected('POST', 'unmatched', '/api/v1/rag/query'), 'same URL, other route');
    assert.equal(requestSegment('GET', '/a"b', '/a"b\\c'), expected('GET', '/a"b', '/a"b\\c'));
    const long = `/x?${'q'.repeat(300)}`;
    assert.equal(requestSegment('GET', 'unmatched', long), expected('GET', 'unmatched', long), 'long URLs are not remembered but still right');
    // Many distinct URLs: every answer stays right across the memo being dropped and refilled.
    for (let i = 0; i < 2_000; i++) assert.equal(requestSegment('GET', '/docs/:id', `/docs/${i}`), expected('GET', '/docs/:id', `/docs/${i}`));
  });
});
