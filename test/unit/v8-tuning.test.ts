import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../../src/config/load.js';
import { applyV8Tuning, NO_PRETENURING_FLAG } from '../../src/cli/v8-tuning.js';

describe('V8 tuning of ragd serve', () => {
  test('by default turns allocation-site pretenuring off', () => {
    const flags: string[] = [];
    assert.deepEqual(applyV8Tuning(loadConfig({}), (f) => flags.push(f)), [NO_PRETENURING_FLAG]);
    assert.deepEqual(flags, ['--no-allocation-site-pretenuring']);
  });

  test('RAGD_V8_PRETENURING=true leaves V8 as it is', () => {
    const flags: string[] = [];
    assert.deepEqual(applyV8Tuning(loadConfig({ RAGD_V8_PRETENURING: 'true' }), (f) => flags.push(f)), []);
    assert.deepEqual(flags, []);
  });

  test('a bad value is refused at start, naming the setting', () => {
    assert.throws(() => loadConfig({ RAGD_V8_PRETENURING: 'sometimes' }), /RAGD_V8_PRETENURING/);
  });

  test('the flag is one that this Node version of V8 knows (an unknown one would be ignored without a word)', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    assert.match(options, new RegExp(`^\\s*${NO_PRETENURING_FLAG.replace('--no-', '--')}\\s`, 'm'));
  });
});
