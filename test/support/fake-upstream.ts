/**
 * The machinery shared by the fake Ollama and OpenAI servers: a node:http server on 127.0.0.1
 * port 0, routes, runtime-controllable faults, per-route counters and last request bodies and
 * headers, and a close() that destroys open sockets (so hanging requests never keep a test alive).
 * Resilience and benchmark tests reuse these fakes, so every fault is switchable at runtime.
 */
import { EventEmitter, once } from 'node:events';
import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The canned chat answer both fakes stream by default. */
export const DEFAULT_FAKE_ANSWER = 'The sources say the capital of France is Paris [1].';

/** Faults and knobs; `setBehavior` replaces the whole set and resets the fault counter. */
export interface FakeBehavior {
  /** Delay before every response (faulty or not), ms. */
  latencyMs?: number;
  /** Delay between streamed chunks, ms (time-to-first-token vs. streaming rate in benchmarks). */
  chunkDelayMs?: number;
  /** Respond with this HTTP status and the format's error body. */
  failWith?: number;
  /** Only the first N matching requests get the fault; later ones succeed. Default: every one. */
  failTimes?: number;
  /** Respond 429 with this Retry-After header value (seconds or an HTTP date). */
  rateLimit?: { retryAfter: number | string };
  /** Never respond; the socket stays open until the client gives up or the fake closes. */
  hang?: boolean;
  /** Reset the TCP connection (RST) as soon as the request arrives. */
  reset?: boolean;
  /** Stream this many content chunks, then cut the stream (see `cutStreamMode`). */
  cutStreamAfterChunks?: number;
  /** 'reset' (default) destroys the socket mid-body; 'end' ends the body cleanly without the final marker. */
  cutStreamMode?: 'reset' | 'end';
  /** Stream this many content chunks, then an in-stream error event/line, then end the body. */
  streamErrorAfterChunks?: number;
  /** Respond 200 with a body that is not valid JSON (or a garbage stream line). */
  malformed?: boolean;
  /** Fault this fraction of matching requests (0..1) instead of counting with failTimes; uses `random`. */
  failureRate?: number;
  /** Randomness for `failureRate`, in [0, 1). Defaults to Math.random. */
  random?: () => number;
  /** Only these routes (e.g. '/api/chat') get faults; default all. */
  routes?: string[];
  /** Embedding dimension count. Default: the server's `dimensions` option. */
  dimensions?: number;
  /** Return embedding items in reverse order (OpenAI fake; each item keeps its index). */
  outOfOrder?: boolean;
}

export type Fault = 'reset' | 'hang' | 'rateLimit' | 'fail' | 'malformed' | 'cut' | 'streamError';

export interface FakeStats {
  /** Requests received per route path (e.g. '/api/embed'), including faulted ones. */
  requests: Record<string, number>;
  /** Parsed JSON body of the last request per route (undefined for GET). */
  lastBody: Record<string, unknown>;
  lastHeaders: Record<string, IncomingHttpHeaders>;
  /** TCP connections accepted since start. */
  connections: number;
  /** Connections open now. */
  openConnections: number;
  /** Requests that got a fault. */
  faults: number;
}

/** What a route handler gets for one request. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Parsed JSON body, or undefined. */
  body: unknown;
  behavior: FakeBehavior;
  /** The fault left for the handler to apply ('malformed', 'cut', 'streamError'), if any. */
  fault: Fault | undefined;
}

export type RouteHandler = (ctx: RouteContext) => void | Promise<void>;

export interface FakeUpstreamSpec {
  /** Handlers by "METHOD /path". */
  routes: Record<string, RouteHandler>;
  /** The format's JSON error body for a status and message. */
  errorBody: (status: number, message: string) => unknown;
}

export interface FakeUpstream {
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  setBehavior(behavior: FakeBehavior): void;
  stats(): FakeStats;
  /** Resolves with the route of the next request to `route` (any route when omitted). */
  nextRequest(route?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a fake upstream on 127.0.0.1, port 0. */
export async function startFakeUpstream(spec: FakeUpstreamSpec): Promise<FakeUpstream> {
  let behavior: FakeBehavior = {};
  let faultsServed = 0;
  const stats: FakeStats = { requests: {}, lastBody: {}, lastHeaders: {}, connections: 0, openConnections: 0, faults: 0 };
  const sockets = new Set<Socket>();
  const events = new EventEmitter();

  function pickFault(route: string): Fault | undefined {
    if (behavior.routes !== undefined && !behavior.routes.includes(route)) return undefined;
    const fault = configuredFault(behavior);
    if (fault === undefined) return undefined;
    if (behavior.failureRate !== undefined) {
      return (behavior.random ?? Math.random)() < behavior.failureRate ? fault : undefined;
    }
    if (behavior.failTimes !== undefined && faultsServed >= behavior.failTimes) return undefined;
    faultsServed++;
    return fault;
  }

  const server = createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://fake').pathname;
    void handle(route, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, spec.errorBody(500, `fake upstream bug: ${String(err)}`));
      else res.destroy();
    });
  });

  async function handle(route: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    stats.requests[route] = (stats.requests[route] ?? 0) + 1;
    stats.lastHeaders[route] = req.headers;
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    stats.lastBody[route] = body;
    const current = behavior;
    const fault = pickFault(route);
    if (fault !== undefined) stats.faults++;
    events.emit('request', route);
    if (fault === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault === 'hang') return;
    if (current.latencyMs !== undefined && current.latencyMs > 0) {
      await delay(current.latencyMs, res);
      if (res.destroyed) return;
    }
    if (fault === 'rateLimit') {
      res.setHeader('retry-after', String(current.rateLimit?.retryAfter ?? 1));
      sendJson(res, 429, spec.errorBody(429, 'Rate limit reached for requests'));
      return;
    }
    if (fault === 'fail') {
      const status = current.failWith ?? 500;
      sendJson(res, status, spec.errorBody(status, `fake upstream failure (HTTP ${status})`));
      return;
    }
    const handler = spec.routes[`${req.method ?? 'GET'} ${route}`];
    if (handler === undefined) {
      sendJson(res, 404, spec.errorBody(404, `no route ${req.method ?? 'GET'} ${route}`));
      return;
    }
    await handler({ req, res, body, behavior: current, fault });
  }

  server.on('connection', (socket: Socket) => {
    stats.connections++;
    stats.openConnections++;
    sockets.add(socket);
    socket.once('close', () => {
      stats.openConnections--;
      sockets.delete(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    setBehavior(next) {
      behavior = { ...next };
      faultsServed = 0;
    },
    stats: () => structuredClone(stats),
    nextRequest(route) {
      return new Promise((resolve) => {
        const listener = (r: string): void => {
          if (route !== undefined && r !== route) return;
          events.off('request', listener);
          resolve(r);
        };
        events.on('request', listener);
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The fault the behaviour asks for, most disruptive first. */
function configuredFault(b: FakeBehavior): Fault | undefined {
  if (b.reset === true) return 'reset';
  if (b.hang === true) return 'hang';
  if (b.rateLimit !== undefined) return 'rateLimit';
  if (b.failWith !== undefined) return 'fail';
  if (b.malformed === true) return 'malformed';
  if (b.cutStreamAfterChunks !== undefined) return 'cut';
  if (b.streamErrorAfterChunks !== undefined) return 'streamError';
  if (b.failureRate !== undefined) return 'fail';
  return undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes `chunks` one by one (each its own write), then applies the stream fault if any. */
export async function writeStream(
  ctx: RouteContext,
  contentType: string,
  chunks: string[],
  final: string[],
  streamError: string,
): Promise<void> {
  const { res, behavior, fault } = ctx;
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  const cutAfter = fault === 'cut' ? behavior.cutStreamAfterChunks : fault === 'streamError' ? behavior.streamErrorAfterChunks : undefined;
  for (const [i, chunk] of chunks.entries()) {
    if (cutAfter !== undefined && i >= cutAfter) break;
    if (res.destroyed) return;
    if (i > 0 && behavior.chunkDelayMs !== undefined && behavior.chunkDelayMs > 0) await delay(behavior.chunkDelayMs, res);
    if (res.destroyed) return;
    await write(res, chunk);
  }
  if (fault === 'cut') {
    // Flushed chunks reach the client before the FIN; 'end' instead finishes the chunked body.
    if ((behavior.cutStreamMode ?? 'reset') === 'reset') res.socket?.destroy();
    else res.end();
    return;
  }
  if (fault === 'streamError') {
    res.end(streamError);
    return;
  }
  for (const chunk of final) await write(res, chunk);
  res.end();
}

function write(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(chunk, () => resolve());
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function delay(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

/**
 * A deterministic, unnormalised embedding of `text`: each word hashed (FNV-1a) to a dimension
 * and a sign, plus a constant so no vector is zero, scaled by 3 so normalisation is observable.
 */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  v[0] = 0.5;
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
    v[h % dimensions] = (v[h % dimensions] as number) + (h & 0x80000000 ? -1 : 1);
  }
  return v.map((x) => x * 3);
}

/** Splits an answer into word-sized chunks that concatenate back to it exactly. */
export function answerChunks(answer: string): string[] {
  return answer.match(/\S+\s*|\s+/g) ?? [answer];
}

/** A rough token count (words) for fake usage numbers. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
