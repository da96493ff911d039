import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { settingsMarkdown } from '../../src/cli/config.js';

test('README configuration table matches the settings the code validates', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(settingsMarkdown()), 'run `npx tsx src/cli/main.ts config --markdown` and paste the table into README.md');
});

test('RAGD_VERSION matches package.json', async () => {
  const { RAGD_VERSION } = await import('../../src/runtime.js');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(RAGD_VERSION, pkg.version);
});
