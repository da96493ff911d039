/** `ragd query "<question>"`: ask a question, print the answer and its sources (or JSON). */
import { loadConfig } from '../config/load.js';
import type { RetrievalMode } from '../rag/types.js';
import { openClient } from './client.js';

export interface QueryCommandOptions {
  collection: string;
  mode: RetrievalMode;
  topK?: number;
  server?: string;
  json?: boolean;
  stream?: boolean;
}

export async function queryCommand(question: string, options: QueryCommandOptions): Promise<number> {
  const config = loadConfig();
  const client = await openClient(config, options.server);
  try {
    const input = { query: question, collection: options.collection, mode: options.mode, topK: options.topK };
    const streaming = options.stream && !options.json;
    const res = await client.query(input, streaming ? (t) => process.stdout.write(t) : undefined);
    if (options.json) {
      console.log(JSON.stringify(res));
      return 0;
    }
    if (!streaming) process.stdout.write(res.answer);
    process.stdout.write('\n\n');
    for (const c of res.citations) console.log(`[${c.index}] ${c.title || c.documentId} (${c.documentId}, score ${c.score.toFixed(4)})`);
    if (res.degraded) console.log(`\n(degraded: ${res.reasons.join(', ')})`);
    return 0;
  } finally {
    await client.close();
  }
}
