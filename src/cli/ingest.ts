/**
 * `ragd ingest <path> --collection <name>`: ingests a file or every supported file under a folder
 * (.txt, .md/.markdown, .html/.htm). Document ids are the paths relative to <path>, so re-running
 * the command replaces changed files and skips unchanged ones. Shows a progress bar on a terminal
 * and ends with a summary (also as JSON with --json).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config/load.js';
import type { IngestDocument } from '../rag/ingest-service.js';
import type { DocumentFormat } from '../store/types.js';
import { openClient } from './client.js';

const FORMATS: Record<string, DocumentFormat> = { '.txt': 'text', '.text': 'text', '.md': 'markdown', '.markdown': 'markdown', '.html': 'html', '.htm': 'html' };
/** Documents per request: large enough to amortise a transaction, small enough for the 10 MB body limit. */
const BATCH_DOCUMENTS = 64;
/** Bytes of source per request, kept well under the default body limit. */
const BATCH_BYTES = 4 * 1024 * 1024;

export interface IngestCommandOptions {
  collection: string;
  server?: string;
  json?: boolean;
}

async function listFiles(root: string): Promise<string[]> {
  const info = await stat(root);
  if (info.isFile()) return [root];
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const p = join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (entry.isFile() && FORMATS[extname(entry.name).toLowerCase()]) out.push(p);
  }
  return out.sort();
}

export async function ingestCommand(path: string, options: IngestCommandOptions): Promise<number> {
  const config = loadConfig();
  const files = await listFiles(path);
  const root = (await stat(path)).isFile() ? join(path, '..') : path;
  const client = await openClient(config, options.server);
  const t0 = performance.now();
  const summary = { files: files.length, ingested: 0, replaced: 0, unchanged: 0, failed: 0, chunks: 0, seconds: 0, via: client.via, errors: [] as { file: string; error: string }[] };
  const bar = process.stderr.isTTY && !options.json ? new cliProgress.SingleBar({ stream: process.stderr, format: 'ingest [{bar}] {value}/{total} files | {chunks} chunks | {eta_formatted} left' }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(files.length, 0, { chunks: 0 });
  let batch: { file: string; doc: IngestDocument }[] = [];
  let bytes = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    bytes = 0;
    try {
      const out = await client.ingest(options.collection, current.map((b) => b.doc));
      for (const d of out.documents) {
        if (d.unchanged) summary.unchanged++;
        else if (d.replaced) summary.replaced++;
        else summary.ingested++;
      }
      summary.chunks += out.chunks;
    } catch (err) {
      // One bad file must not sink the batch: retry the batch one document at a time.
      if (current.length > 1) {
        for (const one of current) {
          batch = [one];
          await flush();
        }
        return;
      }
      summary.failed++;
      summary.errors.push({ file: current[0]!.file, error: (err as Error).message });
    }
    bar?.increment(current.length, { chunks: summary.chunks });
  };

  try {
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      const rel = relative(root, file) || basename(file);
      batch.push({ file: rel, doc: { id: rel, title: basename(file, extname(file)), text, format: FORMATS[extname(file).toLowerCase()] ?? 'text', metadata: { path: rel } } });
      bytes += Buffer.byteLength(text);
      if (batch.length >= BATCH_DOCUMENTS || bytes >= BATCH_BYTES) await flush();
    }
    await flush();
  } finally {
    bar?.stop();
    await client.close();
  }
  summary.seconds = Math.round((performance.now() - t0) / 10) / 100;
  if (options.json) console.log(JSON.stringify(summary));
  else {
    console.log(
      `${summary.files} files -> collection '${options.collection}' via ${summary.via}: ${summary.ingested} new, ${summary.replaced} replaced, ` +
        `${summary.unchanged} unchanged, ${summary.failed} failed; ${summary.chunks} chunks in ${summary.seconds}s`,
    );
    for (const e of summary.errors) console.log(`  failed: ${e.file}: ${e.error}`);
  }
  return summary.failed > 0 ? 1 : 0;
}
