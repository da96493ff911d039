import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { lazyChildLoggerFactory } from '../../src/server/plugins/lazy-request-logger.js';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const root = pino({ level }, stream);
  let children = 0;
  const counting = Object.create(root) as typeof root;
  counting.child = ((...args: Parameters<typeof root.child>) => {
    children++;
    return root.child(...args);
  }) as typeof root.child;
  return { lines, root: counting as unknown as FastifyBaseLogger, children: () => children };
}

test('request.log: no pino child until something logs, then one child with the bindings, at every level', () => {
  const { lines, root, children } = capture('trace');
  const log = lazyChildLoggerFactory(root, { reqId: 'r-1' }, {});
  assert.equal(children(), 0, 'nothing made for a request that does not log');
  assert.equal(log.level, 'trace');
  log.info({ a: 1 }, 'hello');
  log.warn('careful');
  log.error(new Error('boom'), 'failed');
  log.debug('d');
  log.trace('t');
  log.fatal('f');
  assert.equal(children(), 1, 'one child, made on first use');
  assert.deepEqual(
    lines.map((l) => [l.level, l.reqId, l.msg]),
    [
      [30, 'r-1', 'hello'],
      [40, 'r-1', 'careful'],
      [50, 'r-1', 'failed'],
      [20, 'r-1', 'd'],
      [10, 'r-1', 't'],
      [60, 'r-1', 'f'],
    ],
  );
  assert.equal(lines[0]!.a, 1);
  assert.equal((lines[2]!.err as { message: string }).message, 'boom');
});

test('request.log: levels and child loggers behave as pino\'s', () => {
  const { lines, root } = capture('info');
  const log = lazyChildLoggerFactory(root, { reqId: 'r-2' }, {});
  const check = log as unknown as { isLevelEnabled(l: string): boolean };
  assert.equal(check.isLevelEnabled('debug'), false);
  assert.equal(check.isLevelEnabled('warn'), true);
  log.debug('dropped');
  log.child({ part: 'x' }).info('from a grandchild');
  assert.deepEqual(lines.map((l) => [l.reqId, l.part, l.msg]), [['r-2', 'x', 'from a grandchild']]);
  log.level = 'debug';
  log.debug('now kept');
  assert.equal(lines.at(-1)!.msg, 'now kept');
  const routeLevel = lazyChildLoggerFactory(root, { reqId: 'r-3' }, { level: 'error' });
  assert.equal(routeLevel.level, 'error');
  routeLevel.warn('below the route level');
  assert.equal(lines.at(-1)!.msg, 'now kept');
});
