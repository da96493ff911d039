/**
 * Starts a real ragd server in-process on 127.0.0.1 port 0 with a temporary data directory, for
 * integration tests that drive it over HTTP. `close()` shuts it down and removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Tracing } from '../../src/observability/tracing-types.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';

export interface TestServer extends RunningServer {
  dataDir: string;
  logs: Record<string, unknown>[];
  /** Closes the server; the data dir is kept when `keepData` is true (for restart tests). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  /** Tracing for the Runtime instead of the one RAGD_TRACING / OTEL_* would create (e.g. an InMemorySpanExporter's). */
  tracing?: Tracing;
}

export async function startTestServer(env: Record<string, string> = {}, dataDir?: string, options: TestServerOptions = {}): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'ragd-test-'));
  // Event-loop-delay shedding is off unless a test asks for it: on a busy CI machine a test process's
  // own loop stalls past the 250 ms default, and shedding would answer 503 to unrelated assertions.
  const config = loadConfig({
    RAGD_PORT: '0',
    RAGD_HOST: '127.0.0.1',
    RAGD_DATA_DIR: dir,
    RAGD_LOG_LEVEL: 'info',
    RAGD_RATE_LIMIT: 'off',
    RAGD_SHED_MAX_EVENT_LOOP_DELAY_MS: '600000',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  // The production logger (redaction included), writing to memory.
  const log = createLogger({ level: config.log.level, destination: sink });
  const server = await startServer(config, log, options.tracing ? { tracing: options.tracing } : {});
  return {
    ...server,
    dataDir: dir,
    // What stdout would show a moment later: the access lines of every finished response (response-batch.ts).
    get logs() {
      server.runtime.flushObservations();
      return logs;
    },
    async stop(options = {}) {
      await server.close();
      if (!options.keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Parses a complete SSE body into events. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((f) => f.trim())
    .map((frame) => ({
      event: /^event: (.*)$/m.exec(frame)?.[1] ?? 'message',
      data: JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? '{}') as Record<string, unknown>,
    }));
}
