/**
 * bench/reference-server.ts in a process of its own, as the benchmarks run it: pinned like a ragd
 * server, measured by its own CPU time, and never sharing an event loop with the load generator.
 * Its stdout is read for the URL only, then drained unparsed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ReferenceProcess {
  /** URL of `POST /ref`; `${url}/spin/<µs>` is the calibrated route. */
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the reference server (compiled .js beside this file, or .ts under tsx) and resolves with its URL. */
export async function startReferenceProcess(): Promise<ReferenceProcess> {
  const here = dirname(fileURLToPath(import.meta.url));
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const child = spawn(process.execPath, [...process.execArgv, join(here, `reference-server${ext}`)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      child.stdout!.resume(); // drain anything later without parsing it
      resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`reference server exited (${code})`)));
  });
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
