/** `ragd serve` from source (via tsx) in a child process, for tests that need real signals. */
import { spawnServer, type ChildServer } from '../../src/cli/spawn-server.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export type { ChildServer };

export function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  // Tests that exercise rate limits opt in; the others send more than 100 requests a minute.
  return spawnServer({ env: { RAGD_RATE_LIMIT: 'off', ...env }, command: ['--import', 'tsx', MAIN] });
}
