// Smoke runs of runLoad (autocannon) against the reference server: counts, statuses, rotation.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runLoad } from '../../bench/load.js';
import { startReferenceServer, type ReferenceServer } from '../../bench/reference-server.js';

let ref: ReferenceServer;

before(async () => {
  ref = await startReferenceServer();
});
after(async () => {
  await ref.close();
});

describe('runLoad', () => {
  test('a short duration run counts answers and statuses and reports every answer', async () => {
    let seen = 0;
    let contentTypes = 0;
    const r = await runLoad({
      url: ref.url,
      bodies: [{ query: 'x' }],
      connections: 2,
      durationSec: 0.3,
      progress: false,
      onResponse: (status, headers, body) => {
        seen++;
        if (status === 200 && headers['content-type']?.startsWith('application/json') && JSON.parse(body).ok === true) contentTypes++;
      },
    });
    assert.ok(r.requests > 0);
    assert.deepEqual(r.statusCounts, { '200': r.requests });
    assert.equal(seen, r.requests);
    assert.equal(contentTypes, r.requests);
    assert.equal(r.errors, 0);
    assert.equal(r.non2xx, 0);
    assert.equal(r.errorRate, 0);
    assert.ok(r.rps > 0);
    assert.ok(r.latency.p50 <= r.latency.p95 && r.latency.p95 <= r.latency.p99 && r.latency.p99 <= r.latency.max);
  });

  test('bodies rotate per request across connections', async () => {
    // The reference route answers with the request's content-length, so each body is recognisable.
    const bodies = ['a', 'bb', 'ccc', 'dddd'].map((s) => ({ q: s }));
    const lengths = new Map<number, number>();
    const r = await runLoad({
      url: ref.url,
      bodies,
      connections: 2,
      amount: 40,
      progress: false,
      onResponse: (_s, _h, body) => {
        const n = (JSON.parse(body) as { bytes: number }).bytes;
        lengths.set(n, (lengths.get(n) ?? 0) + 1);
      },
    });
    assert.equal(r.requests, 40);
    assert.deepEqual(
      [...lengths.keys()].sort((a, b) => a - b),
      bodies.map((b) => JSON.stringify(b).length),
    );
    for (const count of lengths.values()) assert.equal(count, 10);
  });

  test('a body function gets increasing indexes; warm-up answers are not reported', async () => {
    const indexes: number[] = [];
    let measureStarted = false;
    let reportedBeforeStart = 0;
    const r = await runLoad({
      url: ref.url,
      bodies: (i) => {
        indexes.push(i);
        return { i };
      },
      connections: 1,
      amount: 5,
      warmupSec: 0.2,
      progress: false,
      onMeasureStart: () => {
        measureStarted = true;
      },
      onResponse: () => {
        if (!measureStarted) reportedBeforeStart++;
      },
    });
    assert.equal(r.requests, 5);
    assert.equal(reportedBeforeStart, 0);
    assert.ok(indexes.length > 5, 'warm-up used bodies too');
    assert.deepEqual(
      indexes,
      indexes.map((_, i) => i),
    );
  });

  test('non-2xx answers count as errors', async () => {
    const r = await runLoad({ url: ref.url.replace('/ref', '/missing'), bodies: [{}], amount: 4, connections: 1, progress: false });
    assert.deepEqual(r.statusCounts, { '404': 4 });
    assert.equal(r.non2xx, 4);
    assert.equal(r.errorRate, 1);
  });

  test('refused connections count as errors', async () => {
    const gone = await startReferenceServer();
    await gone.close();
    const r = await runLoad({ url: gone.url, bodies: [{}], durationSec: 0.2, connections: 1, progress: false });
    assert.equal(r.requests, 0);
    assert.ok(r.errors > 0);
    assert.equal(r.errorRate, 1);
  });
});

describe('reference server: the calibrated and the same-bytes routes', () => {
  const post = (path: string) => fetch(`${ref.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"x"}' });
  test('spinCpu burns at least the CPU time asked for', async () => {
    const { spinCpu } = await import('../../bench/reference-server.js');
    const before = process.cpuUsage();
    spinCpu(2_000);
    const used = process.cpuUsage(before);
    assert.ok(used.user + used.system >= 2_000, `used ${used.user + used.system} µs`);
  });

  test('POST /ref/bytes/:n answers with exactly n bytes of JSON, and refuses a bad size with 400', async () => {
    for (const n of [10, 11, 4514]) {
      const res = await post(`/bytes/${n}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const text = await res.text();
      assert.equal(Buffer.byteLength(text), n);
      assert.equal(typeof (JSON.parse(text) as { pad: string }).pad, 'string');
    }
    for (const bad of ['9', '1.5', 'abc', String(2 ** 20 + 1)]) assert.equal((await post(`/bytes/${bad}`)).status, 400, bad);
  });

  test('POST /ref/spin/:us answers like /ref after spinning, and refuses a bad spin with 400', async () => {
    const ok = await post('/spin/500');
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { ok: boolean; bytes: number; spins: number };
    assert.equal(body.ok, true);
    assert.equal(body.bytes, 13);
    // 0 is possible: where the kernel accounts CPU time in ticks, the first reading can already be past 500 µs.
    assert.ok(Number.isInteger(body.spins) && body.spins >= 0, `spins ${body.spins}`);
    for (const bad of ['-1', '1.5', 'abc', '100001']) assert.equal((await post(`/spin/${bad}`)).status, 400, bad);
    assert.equal((await post('')).status, 200, 'the reference route still answers');
  });
});
