/** `ragd serve` from source (via tsx) in a child process, for tests that need real signals. */
import { spawnServer, type ChildServer } from '../../src/cli/spawn-server.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export type { ChildServer };

export function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  return spawnServer({ env, command: ['--import', 'tsx', MAIN] });
}
