// LineDestination: lines batched into one write per flush (a short timer, or a full batch), short writes resumed at the
// exact byte, EAGAIN waited out, a broken fd dropping (and counting) lines, flush/flushSync, and
// lines surviving process.exit and crashes through the default logger.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineDestination, type WriteSyncFs } from '../../src/observability/log-destination.js';

/** A file system double: records what was written; each call's outcome can be scripted. */
class FakeFs implements WriteSyncFs {
  readonly chunks: Buffer[] = [];
  calls = 0;
  /** Per call, in order: a number caps the bytes written; an error code throws. Then: write everything. */
  readonly script: (number | string)[] = [];

  writeSync(_fd: number, data: string | Buffer, offset?: number, length?: number): number {
    this.calls++;
    const bytes =
      typeof data === 'string' ? Buffer.from(data, 'utf8') : data.subarray(offset ?? 0, (offset ?? 0) + (length ?? data.length));
    const step = this.script.shift();
    if (typeof step === 'string') throw Object.assign(new Error(step), { code: step });
    const n = step === undefined ? bytes.length : Math.min(step, bytes.length);
    // Copied, as the kernel does: the destination reuses its buffer once a write returns.
    this.chunks.push(Buffer.from(bytes.subarray(0, n)));
    return n;
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** A destination whose turn ends and retries run when the test says so. */
function manual(options: { maxPending?: number; flushBytes?: number } = {}) {
  const fs = new FakeFs();
  const turns: (() => void)[] = [];
  const retries: (() => void)[] = [];
  const dest = new LineDestination({
    fd: 9,
    fs,
    flushOnExit: false,
    schedule: (fn) => turns.push(fn),
    retryLater: (fn) => retries.push(fn),
    ...options,
  });
  const endTurn = () => turns.splice(0).forEach((fn) => fn());
  const retry = () => retries.splice(0).forEach((fn) => fn());
  return { fs, dest, endTurn, retry, turns, retries };
}

describe('LineDestination', () => {
  test('the lines of one turn go out in one write, in order; nothing is written before the turn ends', () => {
    const { fs, dest, endTurn, turns } = manual();
    dest.write('a\n');
    dest.write('b\n');
    dest.write('c\n');
    assert.equal(fs.calls, 0);
    assert.equal(turns.length, 1, 'one scheduled write per turn, not per line');
    endTurn();
    assert.equal(fs.calls, 1);
    assert.equal(fs.text, 'a\nb\nc\n');
    dest.write('d\n');
    endTurn();
    assert.equal(fs.text, 'a\nb\nc\nd\n');
  });

  test('a short write resumes at the exact byte, also inside a multi-byte character', () => {
    const { fs, dest, endTurn, retry } = manual();
    fs.script.push(5, 1); // "héllo" is 6 bytes: the first write stops inside "é"... then 1 byte more
    dest.write('héllo wörld\n');
    dest.write('next\n');
    endTurn();
    retry();
    assert.equal(fs.text, 'héllo wörld\nnext\n');
  });

  test('EAGAIN keeps the batch and retries later; lines written meanwhile follow it', async () => {
    const { fs, dest, endTurn, retry, retries } = manual();
    fs.script.push('EAGAIN');
    dest.write('one\n');
    endTurn();
    assert.equal(fs.text, '');
    assert.equal(retries.length, 1);
    dest.write('two\n');
    let flushed = false;
    dest.flush(() => (flushed = true));
    fs.script.push('EAGAIN');
    retry();
    assert.equal(fs.text, '');
    retry();
    assert.equal(fs.text, 'one\ntwo\n');
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(flushed, 'flush callbacks run once everything is written');
  });

  test('a batch that reaches flushBytes is written at once, without waiting for the scheduled write', () => {
    const { fs, dest, endTurn, turns } = manual({ flushBytes: 10 });
    dest.write('abc\n');
    assert.equal(fs.text, '', 'under the size: waits for the scheduled write');
    dest.write('defghij\n');
    assert.equal(fs.text, 'abc\ndefghij\n', 'at the size: written now');
    dest.write('k\n');
    endTurn();
    assert.equal(fs.text, 'abc\ndefghij\nk\n', 'the scheduled write takes the rest');
    assert.equal(turns.length, 0);
    assert.equal(fs.calls, 2);
  });

  test('flush(cb) writes what is pending without waiting for the scheduled write', async () => {
    const { fs, dest, turns } = manual();
    dest.write('now\n');
    assert.equal(turns.length, 1);
    await new Promise((resolve) => dest.flush(resolve));
    assert.equal(fs.text, 'now\n');
  });

  test('another write error stops the destination: lines are dropped and counted, flush reports the error', async () => {
    const { fs, dest, endTurn } = manual();
    fs.script.push('EPIPE');
    dest.write('lost 1\n');
    dest.write('lost 2\n');
    endTurn();
    assert.equal(dest.error?.message, 'EPIPE');
    assert.equal(dest.write('lost 3\n'), false);
    assert.equal(dest.dropped, 3);
    const err = await new Promise((resolve) => dest.flush(resolve));
    assert.equal((err as Error).message, 'EPIPE');
  });

  test('beyond maxPending new lines are dropped rather than buffered', () => {
    const { fs, dest, endTurn } = manual({ maxPending: 10 });
    assert.equal(dest.write('12345\n'), true);
    assert.equal(dest.write('67890\n'), false);
    assert.equal(dest.dropped, 1);
    endTurn();
    assert.equal(fs.text, '12345\n');
  });

  test('flushSync writes the leftover and everything pending at once', () => {
    const { fs, dest, endTurn } = manual();
    fs.script.push(3, 'EAGAIN');
    dest.write('first line\n');
    endTurn();
    dest.write('second\n');
    dest.flushSync();
    assert.equal(fs.text, 'first line\nsecond\n');
  });
});

describe('LineDestination, byte for byte', () => {
  test('a partial write then EAGAIN keeps the rest while new lines fill the reused buffer', () => {
    const { fs, dest, endTurn, retry } = manual();
    fs.script.push(4, 'EAGAIN');
    dest.write('first line\n');
    endTurn();
    assert.equal(fs.text, 'firs');
    dest.write('second line\n');
    dest.write('third\n');
    retry();
    assert.equal(fs.text, 'first line\nsecond line\nthird\n');
  });

  test('lines longer than the buffer, multi-byte text and surrogate pairs arrive intact across batches, short writes and EAGAIN', () => {
    const { fs, dest, endTurn, retry } = manual({ flushBytes: 64, maxPending: 1 << 30 });
    // A fixed pseudo-random sequence (no Math.random: the test is the same on every run).
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ['a', 'é', '€', '😀', 'ragd ', '"', '\\'];
    const expected: string[] = [];
    for (let i = 0; i < 400; i++) {
      let line = `${i}:`;
      // Mostly short lines, now and then one far longer than flushBytes + the buffer's slack.
      const length = next(10) === 0 ? 3000 + next(9000) : next(40);
      while (line.length < length) line += pieces[next(pieces.length)];
      line += '\n';
      expected.push(line);
      if (next(7) === 0) fs.script.push(next(3) === 0 ? 'EAGAIN' : 1 + next(50));
      assert.equal(dest.write(line), true);
      if (next(5) === 0) endTurn();
      if (next(5) === 0) retry();
    }
    for (let i = 0; i < 100 && fs.text.length < expected.join('').length; i++) {
      endTurn();
      retry();
    }
    assert.equal(fs.text, expected.join(''));
    assert.equal(dest.dropped, 0);
  });
});

describe('the default logger on stdout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragd-logdest-'));
  const logger = pathToFileURL(join(import.meta.dirname, '../../src/observability/logger.ts')).href;
  const run = (ending: string) => {
    const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mts`);
    writeFileSync(
      script,
      `import { createLogger } from ${JSON.stringify(logger)};
const log = createLogger({ level: 'info', pretty: false });
for (let i = 0; i < 500; i++) log.info({ i }, 'line');
${ending}`,
    );
    const res = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    return {
      lines: res.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { i: number; time: string }),
      status: res.status,
    };
  };

  test('keeps every line through process.exit, an uncaught exception and an unhandled rejection', () => {
    try {
      for (const ending of ['process.exit(0);', "throw new Error('crash');", "Promise.reject(new Error('crash'));"]) {
        const { lines, status } = run(ending);
        assert.equal(lines.length, 500, ending);
        assert.deepEqual(
          lines.map((l) => l.i),
          Array.from({ length: 500 }, (_, i) => i),
          ending,
        );
        assert.match(lines[0]?.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.equal(status, ending.startsWith('process') ? 0 : 1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
