/**
 * Runs `ragd serve` in a child process on port 0 and resolves with its URL once it logs
 * "ragd listening". Used by `ragd bench` (ragd under load in its own process, like in production)
 * and by tests that need real signals (SIGKILL crash safety, SIGTERM shutdown).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildServer {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Log records the child printed (JSON lines), in order. */
  logs: Record<string, unknown>[];
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** Node arguments and script to run; defaults to this process's own (e.g. `--import tsx src/cli/main.ts`). */
  command?: string[];
  /** Where the child's stderr goes (default: inherited). */
  stderr?: 'inherit' | 'ignore';
}

export function spawnServer(options: SpawnOptions): Promise<ChildServer> {
  const command = options.command ?? [...process.execArgv, process.argv[1]!];
  const child = spawn(process.execPath, [...command, 'serve'], {
    // Info level at least: the "ragd listening" line is how the URL is learnt.
    env: { ...process.env, RAGD_PORT: '0', RAGD_PRETTY_LOGS: 'false', ...options.env, RAGD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not a log record
      }
      logs.push(rec);
      if (rec.msg === 'ragd listening' && typeof rec.url === 'string') resolve({ child, url: rec.url, exited, logs });
    });
    void exited.then((code) => reject(new Error(`ragd exited before listening (code ${code})`)));
  });
}

/** Sends SIGTERM and waits for the exit code. */
export async function stopServer(server: ChildServer): Promise<number | null> {
  if (server.child.exitCode === null) server.child.kill('SIGTERM');
  return server.exited;
}
