/**
 * Runs `ragd serve` in a child process on port 0 and resolves with its URL once it logs
 * "ragd listening". Used by `ragd bench` (ragd under load in its own process, like in production)
 * and by tests that need real signals (SIGKILL crash safety, SIGTERM shutdown). A child that logs
 * below info (overhead baselines) gets a free port chosen up front instead, and is ready when
 * /health/live answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** How often a quiet child's /health/live is polled while it starts. */
const READY_POLL_MS = 50;
/** Levels at which the child prints its "ragd listening" line. */
const LISTEN_LINE_LEVELS = new Set(['info', 'debug', 'trace']);

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
  /**
   * The child's RAGD_LOG_LEVEL. Default `info`, the lowest level that prints "ragd listening"; with
   * a quieter one (`warn`, `silent`) the URL comes from a port chosen up front and a /health/live poll.
   */
  logLevel?: string;
  /**
   * The child's stdout: `pipe` (default) parses its log lines into `logs`; `ignore` sends them to
   * /dev/null (the child still formats and writes every line), so a load generator in this process
   * does no work per line. With `ignore`, the URL comes from a port chosen up front, as for quiet levels.
   */
  stdout?: 'pipe' | 'ignore';
}

export async function spawnServer(options: SpawnOptions): Promise<ChildServer> {
  const command = options.command ?? [...process.execArgv, process.argv[1]!];
  const level = options.logLevel ?? 'info';
  const quiet = !LISTEN_LINE_LEVELS.has(level) || options.stdout === 'ignore';
  const host = options.env.RAGD_HOST ?? '127.0.0.1';
  const port = quiet ? String(await freePort(host)) : '0';
  const child = spawn(process.execPath, [...command, 'serve'], {
    env: { ...process.env, RAGD_PORT: '0', RAGD_PRETTY_LOGS: 'false', ...options.env, ...(quiet ? { RAGD_PORT: port } : {}), RAGD_LOG_LEVEL: level },
    stdio: ['ignore', options.stdout ?? 'pipe', options.stderr ?? 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    const listening = (url: string): void => resolve({ child, url, exited, logs });
    const lines = child.stdout ? createInterface({ input: child.stdout }) : undefined;
    lines?.on('line', (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not a log record
      }
      logs.push(rec);
      if (rec.msg === 'ragd listening' && typeof rec.url === 'string') listening(rec.url);
    });
    let exitCode: number | null | undefined;
    void exited.then((code) => {
      exitCode = code;
      reject(new Error(`ragd exited before listening (code ${code})`));
    });
    if (quiet) {
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      const poll = (): void => {
        if (exitCode !== undefined) return;
        fetch(`${url}/health/live`)
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.ok) listening(url);
            else setTimeout(poll, READY_POLL_MS);
          })
          .catch(() => setTimeout(poll, READY_POLL_MS));
      };
      poll();
    }
  });
}

/** A port free on `host` right now (the OS picks it; a quiet child is then told to use it). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends SIGTERM and waits for the exit code. */
export async function stopServer(server: ChildServer): Promise<number | null> {
  if (server.child.exitCode === null) server.child.kill('SIGTERM');
  return server.exited;
}
