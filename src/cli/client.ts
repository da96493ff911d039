/**
 * How CLI commands reach ragd: over HTTP when a server is given (--server / RAGD_URL) or already
 * owns the data directory, otherwise by opening the data directory in-process. Both paths run the
 * same services, so results are identical.
 */
import type { Config } from '../config/config.js';
import { RagdError } from '../errors/ragd-error.js';
import { createLogger } from '../observability/logger.js';
import type { IngestDocument, IngestResult } from '../rag/ingest-service.js';
import type { QueryResponse } from '../rag/query-service.js';
import type { RetrievalMode } from '../rag/types.js';
import { Runtime } from '../runtime.js';
import { acquireDataDir, currentOwner } from './data-dir-lock.js';

export interface QueryInput {
  query: string;
  collection: string;
  mode: RetrievalMode;
  topK?: number | undefined;
}

export interface RagdClient {
  readonly via: string;
  ingest(collection: string, docs: IngestDocument[]): Promise<{ documents: IngestResult[]; chunks: number }>;
  query(input: QueryInput, onDelta?: (text: string) => void): Promise<Omit<QueryResponse, 'collectionVersion'>>;
  close(): Promise<void>;
}

class HttpClient implements RagdClient {
  constructor(readonly via: string) {}

  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(new URL(path, this.via), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      const code = typeof json.code === 'string' ? json.code : 'RAGD_ERR_INTERNAL';
      throw new RagdError(code as 'RAGD_ERR_INTERNAL', `${res.status} ${String(json.detail ?? json.title ?? res.statusText)}`);
    }
    return json as T;
  }

  ingest(collection: string, docs: IngestDocument[]) {
    return this.post<{ documents: IngestResult[]; chunks: number }>('/api/v1/rag/documents', { collection, documents: docs });
  }

  async query(input: QueryInput, onDelta?: (text: string) => void) {
    const body = { query: input.query, collection: input.collection, mode: input.mode, ...(input.topK ? { topK: input.topK } : {}) };
    if (!onDelta) return this.post<Omit<QueryResponse, 'collectionVersion'>>('/api/v1/rag/query', body);
    const res = await fetch(new URL('/api/v1/rag/query', this.via), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: JSON.stringify({ ...body, stream: true }),
    });
    if (!res.ok || !res.body) {
      const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      throw new RagdError((json.code as 'RAGD_ERR_INTERNAL') ?? 'RAGD_ERR_INTERNAL', `${res.status} ${String(json.detail ?? res.statusText)}`);
    }
    let answer = '';
    let result: Record<string, unknown> = {};
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let sep: number;
      while ((sep = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null') as Record<string, unknown>;
        if (event === 'delta') {
          answer += String(data.text);
          onDelta(String(data.text));
        } else if (event === 'citations') result = { ...result, citations: data.citations };
        else if (event === 'done') result = { ...result, ...data };
        else if (event === 'error') throw new RagdError((data.code as 'RAGD_ERR_INTERNAL') ?? 'RAGD_ERR_INTERNAL', String(data.detail));
      }
    }
    return { ...result, answer } as unknown as Omit<QueryResponse, 'collectionVersion'>;
  }

  async close() {}
}

class LocalClient implements RagdClient {
  readonly via: string;
  constructor(
    private readonly rt: Runtime,
    private readonly release: () => void,
  ) {
    this.via = `data dir ${rt.config.dataDir}`;
  }

  async ingest(collection: string, docs: IngestDocument[]) {
    const out = await this.rt.ingest({ tenant: 'default', name: collection }, docs, new AbortController().signal);
    return { documents: out.documents, chunks: out.chunks };
  }

  async query(input: QueryInput, onDelta?: (text: string) => void) {
    const req = {
      key: { tenant: 'default', name: input.collection },
      query: input.query,
      mode: input.mode,
      topK: input.topK ?? this.rt.config.retrieval.queryTopK,
      signal: new AbortController().signal,
    };
    if (!onDelta) return this.rt.query.answer(req);
    let answer = '';
    let out: Partial<QueryResponse> = {};
    for await (const ev of this.rt.query.run(req)) {
      if (ev.type === 'delta') {
        answer += ev.text;
        onDelta(ev.text);
      } else if (ev.type === 'citations') out.citations = ev.citations;
      else out = { ...out, ...ev.done };
    }
    return { ...out, answer } as QueryResponse;
  }

  async close() {
    try {
      await this.rt.close();
    } finally {
      this.release();
    }
  }
}

function authHeaders(): Record<string, string> {
  const key = process.env.RAGD_API_KEY;
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function openClient(config: Config, server: string | undefined): Promise<RagdClient> {
  const url = server ?? process.env.RAGD_URL ?? currentOwner(config.dataDir)?.url;
  if (url) return new HttpClient(url);
  const lock = acquireDataDir(config.dataDir, { command: process.argv.slice(2, 3).join(' ') || 'cli' });
  try {
    const rt = new Runtime(config, createLogger({ level: process.env.RAGD_LOG_LEVEL ?? 'warn', pretty: false, destination: process.stderr }));
    await rt.start();
    return new LocalClient(rt, () => lock.release());
  } catch (err) {
    lock.release();
    throw err;
  }
}
