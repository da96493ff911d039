import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';

test('defaults give a working embedded configuration', () => {
  const c = loadConfig({});
  assert.equal(c.server.host, '127.0.0.1');
  assert.equal(c.server.port, 8080);
  assert.equal(c.dataDir, './data');
  assert.equal(c.embedder.kind, 'local');
  assert.equal(c.embedder.model, 'hash-v1');
  assert.equal(c.generator.kind, 'extractive');
  assert.equal(c.server.bodyLimitBytes, 10 * 1024 * 1024);
});

test('model defaults follow the chosen provider', () => {
  const c = loadConfig({ RAGD_EMBEDDER: 'ollama', RAGD_GENERATOR: 'openai' });
  assert.equal(c.embedder.model, 'nomic-embed-text');
  assert.equal(c.generator.model, 'gpt-4o-mini');
});

test('a bad value names the variable and the allowed values', () => {
  assert.throws(() => loadConfig({ RAGD_EMBEDDER: 'magic' }), (err: Error) => {
    assert.match(err.message, /RAGD_EMBEDDER="magic"/);
    assert.match(err.message, /local, ollama, openai/);
    return true;
  });
  assert.throws(() => loadConfig({ RAGD_PORT: '70000' }), /RAGD_PORT="70000"/);
  assert.throws(() => loadConfig({ RAGD_OLLAMA_URL: 'not a url' }), /RAGD_OLLAMA_URL/);
});

test('every problem is reported at once', () => {
  assert.throws(() => loadConfig({ RAGD_PORT: 'x', RAGD_LOG_LEVEL: 'loud' }), (err: Error) => /RAGD_PORT/.test(err.message) && /RAGD_LOG_LEVEL/.test(err.message));
});

test('secrets are not echoed in errors', () => {
  assert.throws(() => loadConfig({ RAGD_OPENAI_API_KEY: '' , RAGD_CHUNK_SIZE: '5' }), (err: Error) => !/sk-/.test(err.message));
});

test('chunk overlap must be below half the chunk size', () => {
  assert.throws(() => loadConfig({ RAGD_CHUNK_SIZE: '200', RAGD_CHUNK_OVERLAP: '150' }), /RAGD_CHUNK_OVERLAP/);
});

test('a config file supplies values and the environment overrides it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragd-cfg-'));
  const file = join(dir, 'ragd.json');
  writeFileSync(file, JSON.stringify({ RAGD_PORT: 9001, RAGD_LOG_LEVEL: 'debug' }));
  const c = loadConfig({ RAGD_CONFIG: file, RAGD_LOG_LEVEL: 'warn' });
  assert.equal(c.server.port, 9001);
  assert.equal(c.log.level, 'warn');
  writeFileSync(file, JSON.stringify({ RAGD_PROT: 1 }));
  assert.throws(() => loadConfig({ RAGD_CONFIG: file }), /RAGD_PROT .*unknown setting/);
  writeFileSync(file, '{not json');
  assert.throws(() => loadConfig({ RAGD_CONFIG: file }), /RAGD_CONFIG/);
});
