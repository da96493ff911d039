/**
 * Runs `ragd serve` in a child process (via tsx) on port 0 and resolves with its URL once it logs
 * "ragd listening" — for tests that need real signals: SIGKILL crash safety, SIGTERM shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface ChildServer {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
    env: { ...process.env, RAGD_PORT: '0', RAGD_LOG_LEVEL: 'info', RAGD_PRETTY_LOGS: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string; url?: string };
        if (rec.msg === 'ragd listening' && rec.url) resolve({ child, url: rec.url, exited });
      } catch {
        // not JSON: ignore
      }
    });
    void exited.then((code) => reject(new Error(`server exited before listening (code ${code})`)));
  });
}
