/** SqliteDocumentStore: the shared contract plus what is specific to SQLite (pragmas, migrations, files, codec). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDocumentStore } from '../../src/store/sqlite/sqlite-store.js';
import { openDatabase, SQLITE_BUSY_TIMEOUT_MS, SQLITE_PAGE_SIZE_BYTES } from '../../src/store/sqlite/connection.js';
import { prepareStatements } from '../../src/store/sqlite/statements.js';
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS, schemaVersion, type Migration } from '../../src/store/sqlite/migrations.js';
import { canonicalJson, decodeCursor, decodeEmbedding, encodeCursor, encodeEmbedding, indexableText } from '../../src/store/sqlite/codec.js';
import { documentStoreContract, KEY, makeDoc, rejectsWithCode, SIGNATURE } from './document-store-contract.js';

let root: string;
let counter = 0;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'ragd-sqlite-store-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh database path in its own (not yet existing) directory. */
function freshPath(): string {
  counter += 1;
  return join(root, `case-${counter}`, 'nested', 'ragd.db');
}

documentStoreContract('sqlite', async () => {
  const store = new SqliteDocumentStore({ path: freshPath() });
  await store.open();
  return { store, cleanup: () => store.close() };
});

/** A manual clock: tests read exact timestamps without sleeping. */
function manualClock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('SqliteDocumentStore (SQLite specifics)', () => {
  test('open creates the directory, enables WAL, FULL sync by default, foreign keys and a busy timeout', () => {
    const path = freshPath();
    const db = openDatabase({ path, synchronous: 'full' });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('busy_timeout', { simple: true }), SQLITE_BUSY_TIMEOUT_MS);
      assert.equal(db.pragma('page_size', { simple: true }), SQLITE_PAGE_SIZE_BYTES);
      assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
    } finally {
      db.close();
    }
    const normal = openDatabase({ path, synchronous: 'normal' });
    assert.equal(normal.pragma('synchronous', { simple: true }), 1);
    normal.close();
  });

  test('a new instance on the same file sees everything written before close', async () => {
    const path = freshPath();
    const first = new SqliteDocumentStore({ path });
    await first.open();
    await first.putDocuments(KEY, SIGNATURE, [makeDoc('a', { chunks: 3, metadata: { n: 1 } }), makeDoc('b')]);
    await first.deleteDocument(KEY, 'b');
    const col = await first.getCollection(KEY);
    const log = await first.changesSince(0, 100);
    const doc = await first.getDocument(KEY, 'a');
    await first.close();

    const second = new SqliteDocumentStore({ path });
    await second.open();
    try {
      assert.deepEqual(await second.getCollection(KEY), col);
      assert.deepEqual(await second.changesSince(0, 100), log);
      assert.deepEqual(await second.getDocument(KEY, 'a'), doc);
      assert.equal(await second.maxSeq(), log.at(-1)!.seq);
      // AUTOINCREMENT's high-water mark is durable too: new labels continue after the old ones.
      await second.putDocuments(KEY, SIGNATURE, [makeDoc('c', { chunks: 1 })]);
      const newest = (await second.changesSince(log.at(-1)!.seq, 10))[0]!;
      assert.ok(newest.label > Math.max(...log.map((c) => c.label)));
    } finally {
      await second.close();
    }
  });

  test('migrations are idempotent on reopen', async () => {
    const path = freshPath();
    const store = new SqliteDocumentStore({ path });
    await store.open();
    await store.putDocuments(KEY, SIGNATURE, [makeDoc('a')]);
    await store.close();
    const db = new Database(path);
    try {
      assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
      assert.deepEqual(applyMigrations(db), []);
      assert.equal(db.prepare('SELECT count(*) FROM chunks').pluck().get(), 2);
    } finally {
      db.close();
    }
    await store.open();
    assert.equal((await store.getCollection(KEY))?.chunkCount, 2);
    await store.close();
  });

  test('migrations apply in order, each in its own transaction; a failing one changes nothing', () => {
    const db = new Database(':memory:');
    try {
      const m1: Migration = { version: 1, description: 'one', sql: 'CREATE TABLE one (x INTEGER)' };
      const m2: Migration = { version: 2, description: 'two', sql: 'CREATE TABLE two (x INTEGER)' };
      const m3: Migration = { version: 3, description: 'broken', sql: 'CREATE TABLE three (x INTEGER); SELECT * FROM no_such_table' };
      assert.deepEqual(applyMigrations(db, [m1]), [1]);
      assert.deepEqual(applyMigrations(db, [m2, m1]), [2]);
      assert.throws(() => applyMigrations(db, [m1, m2, m3]), /no such table/);
      assert.equal(schemaVersion(db), 2);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      assert.deepEqual(tables, ['one', 'two']);
      assert.throws(() => applyMigrations(db, [m1, m3]), /without gaps/);
    } finally {
      db.close();
    }
  });

  test('a version 1 database with data is upgraded in place: texts move, chunks and the log stay', async () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    const v1 = new Database(path);
    applyMigrations(v1, MIGRATIONS.slice(0, 1));
    v1.exec(`
      INSERT INTO collections (tenant, name, embedder, model, dimensions, version, document_count, chunk_count, created_at, updated_at)
        VALUES ('t1', 'docs', 'local', 'hash-v1', 4, 1, 1, 1, 10, 10);
      INSERT INTO documents (collection_id, id, title, format, metadata, content_hash, text, chunk_count, text_length, created_at, updated_at)
        VALUES (1, 'old', 'Old doc', 'text', '{"lang":"en"}', 'h-old', 'old text body', 1, 13, 10, 10);
      INSERT INTO chunks (id, collection_id, document_id, ordinal, text, headings, start_offset, end_offset, embedding)
        VALUES ('old#0', 1, 'old', 0, 'old text body', '[]', 0, 13, zeroblob(16));
      INSERT INTO index_log (collection_id, op, label) VALUES (1, 'add', 1);
    `);
    v1.close();

    const store = new SqliteDocumentStore({ path });
    await store.open();
    try {
      const doc = await store.getDocument(KEY, 'old');
      assert.equal(doc?.text, 'old text body');
      assert.deepEqual(doc?.metadata, { lang: 'en' });
      assert.deepEqual((await store.getChunks([1])).map((c) => c.text), ['old text body']);
      assert.deepEqual(await store.changesSince(0, 10), [{ seq: 1, collectionId: 1, op: 'add', label: 1 }]);
      const [put] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('old', { chunks: 2 })]);
      assert.equal(put!.replaced, true);
      assert.equal(put!.collection.chunkCount, 2);
      assert.deepEqual((await store.changesSince(1, 10)).map((c) => [c.op, c.label]), [['del', 1], ['add', 2], ['add', 3]]);
    } finally {
      await store.close();
    }
    const check = new Database(path);
    assert.equal(schemaVersion(check), LATEST_SCHEMA_VERSION);
    const columns = check.prepare("SELECT name FROM pragma_table_info('documents')").pluck().all();
    assert.equal(columns.includes('text'), false);
    check.close();
  });

  test('a database from a newer ragd is refused with RAGD_ERR_STORE_UNAVAILABLE and left untouched', async () => {
    const path = freshPath();
    const store = new SqliteDocumentStore({ path });
    await store.open();
    await store.close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();

    const err = await rejectsWithCode(new SqliteDocumentStore({ path }).open(), 'RAGD_ERR_STORE_UNAVAILABLE');
    assert.deepEqual(err.details, { schemaVersion: LATEST_SCHEMA_VERSION + 1, supportedVersion: LATEST_SCHEMA_VERSION });
    const check = new Database(path);
    assert.equal(schemaVersion(check), LATEST_SCHEMA_VERSION + 1);
    check.close();
  });

  test('an unusable path is RAGD_ERR_STORE_UNAVAILABLE', async () => {
    const dir = join(root, `file-not-dir-${++counter}`);
    writeFileSync(dir, 'x');
    await rejectsWithCode(new SqliteDocumentStore({ path: join(dir, 'ragd.db') }).open(), 'RAGD_ERR_STORE_UNAVAILABLE');
  });

  test('methods on a store that is not open reject with RAGD_ERR_STORE_UNAVAILABLE', async () => {
    const store = new SqliteDocumentStore({ path: freshPath() });
    await rejectsWithCode(store.getCollection(KEY), 'RAGD_ERR_STORE_UNAVAILABLE');
    await rejectsWithCode(store.putDocuments(KEY, SIGNATURE, [makeDoc('a')]), 'RAGD_ERR_STORE_UNAVAILABLE');
  });

  test('SQLite failures mid-batch roll back and surface as RAGD_ERR_STORE_UNAVAILABLE without SQL in the message', async () => {
    const path = freshPath();
    const store = new SqliteDocumentStore({ path });
    await store.open();
    try {
      await store.putDocuments(KEY, SIGNATURE, [makeDoc('a')]);
      const raw = new Database(path);
      raw.exec(`CREATE TRIGGER fail_boom BEFORE INSERT ON chunks WHEN NEW.document_id = 'boom'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
      raw.close();
      const seq = await store.maxSeq();
      const col = await store.getCollection(KEY);
      let caught: unknown;
      try {
        await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { version: 'v2' }), makeDoc('new'), makeDoc('boom')]);
      } catch (err) {
        caught = err;
      }
      const err = caught as Error & { code: string; cause: unknown };
      assert.equal(err.code, 'RAGD_ERR_STORE_UNAVAILABLE');
      assert.ok(err.cause instanceof Database.SqliteError);
      assert.doesNotMatch(err.message, /INSERT|injected|chunks/i);
      assert.equal(await store.maxSeq(), seq);
      assert.deepEqual(await store.getCollection(KEY), col);
      assert.equal(await store.getDocument(KEY, 'new'), undefined);
      assert.equal((await store.getDocument(KEY, 'a'))?.contentHash, 'hash-a-v1');
    } finally {
      await store.close();
    }
  });

  test('timestamps come from the injected clock; a replace keeps createdAt', async () => {
    const clock = manualClock();
    const store = new SqliteDocumentStore({ path: freshPath(), now: clock.now });
    await store.open();
    try {
      const [put] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('a')]);
      assert.equal(put!.collection.createdAt, 1_000);
      assert.equal(put!.collection.updatedAt, 1_000);
      clock.advance(500);
      const [again] = await store.putDocuments(KEY, SIGNATURE, [makeDoc('a', { version: 'v2' })]);
      assert.equal(again!.collection.createdAt, 1_000);
      assert.equal(again!.collection.updatedAt, 1_500);
      const doc = await store.getDocument(KEY, 'a');
      assert.deepEqual([doc?.createdAt, doc?.updatedAt], [1_000, 1_500]);
      clock.advance(500);
      const del = await store.deleteDocument(KEY, 'a');
      assert.equal(del?.collection.updatedAt, 2_000);
    } finally {
      await store.close();
    }
  });

  test('every statement reaches rows through an index, never by scanning a table', () => {
    // A statement that scans `chunks` per document turns a batch insert quadratic; the planner's
    // choice is checked here rather than by timing.
    const db = openDatabase({ path: ':memory:', synchronous: 'full' });
    try {
      const plans = new Map<string, string[]>();
      for (const [name, statement] of Object.entries(prepareStatements(db))) {
        const source = statement.source;
        const named = [...new Set(source.match(/@\w+/g) ?? [])];
        const args = named.length > 0
          ? [Object.fromEntries(named.map((p) => [p.slice(1), p === '@filter' ? '{}' : 1]))]
          : Array.from({ length: (source.match(/\?/g) ?? []).length }, () => 1);
        const rows = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${source}`).all(...args);
        plans.set(name, rows.map((r) => r.detail));
      }
      for (const [name, details] of plans) {
        for (const detail of details) {
          assert.doesNotMatch(detail, /^SCAN (chunks|documents|document_texts|index_log|k|d)\b(?! USING (COVERING )?INDEX)/, `${name}: ${detail}`);
        }
      }
      assert.ok(plans.get('logDocumentChunks')!.some((d) => d.includes('chunks_by_document')));
      assert.ok(plans.get('indexablePage')!.some((d) => d.includes('chunks_by_collection')));
    } finally {
      db.close();
    }
  });

  test('listDocuments and scans reject non-positive sizes with RAGD_ERR_VALIDATION', async () => {
    const store = new SqliteDocumentStore({ path: freshPath() });
    await store.open();
    try {
      const limitErr = await rejectsWithCode(store.listDocuments(KEY, { limit: 0 }), 'RAGD_ERR_VALIDATION');
      assert.deepEqual(limitErr.details, { field: 'limit' });
      await rejectsWithCode(store.changesSince(0, 1.5), 'RAGD_ERR_VALIDATION');
      const iterator = store.scanIndexableChunks(1, 0)[Symbol.asyncIterator]();
      await rejectsWithCode(iterator.next(), 'RAGD_ERR_VALIDATION');
    } finally {
      await store.close();
    }
  });
});

describe('sqlite codec', () => {
  test('embeddings round-trip through bytes, also from a buffer at an odd offset', () => {
    const vector = Float32Array.from([0.5, -1.25, 3e-8, 42]);
    const bytes = encodeEmbedding(vector);
    assert.equal(bytes.byteLength, 16);
    const backing = Buffer.alloc(bytes.byteLength + 3);
    bytes.copy(backing, 3);
    const unaligned = backing.subarray(3);
    assert.equal(unaligned.byteOffset % 4 === 0, false);
    const decoded = decodeEmbedding(unaligned);
    assert.deepEqual(decoded, vector);
    assert.equal(decoded.byteOffset, 0);
    assert.throws(() => decodeEmbedding(Buffer.alloc(7)), { code: 'RAGD_ERR_STORE_UNAVAILABLE' });
    const view = new Float32Array([9, 1, 2, 9]).subarray(1, 3);
    assert.deepEqual(decodeEmbedding(encodeEmbedding(view)), Float32Array.from([1, 2]));
  });

  test('cursors round-trip and anything else is RAGD_ERR_VALIDATION', () => {
    for (const id of ['a', 'doc/1?x=2', 'ünï©ødé', '🙂']) assert.equal(decodeCursor(encodeCursor(id)), id);
    for (const bad of ['', '=', 'a b', 'YQ==', '_w']) {
      assert.throws(() => decodeCursor(bad), { code: 'RAGD_ERR_VALIDATION', details: { field: 'cursor' } });
    }
  });

  test('canonical JSON sorts keys at every level and keeps array order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  });

  test('indexable text joins title, headings and text and drops empty parts', () => {
    assert.equal(indexableText('T', ['H1', 'H2'], 'body'), 'T\nH1\nH2\nbody');
    assert.equal(indexableText('', [], 'body'), 'body');
  });

  test('the migration list is numbered 1..n', () => {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    assert.equal(LATEST_SCHEMA_VERSION, MIGRATIONS.length);
  });
});
