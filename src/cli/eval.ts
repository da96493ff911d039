/**
 * `ragd eval <dataset>`: retrieval evaluation on a BEIR-format folder. Ingests the corpus into a
 * collection of a fresh temporary data directory (the real ingestion path: conversion, chunking,
 * embedding, store, indexes), runs every judged query in each mode through the real retriever, and
 * reports nDCG@10, Recall@10, Recall@100 and MRR@10 (trec_eval definitions) with per-mode latency.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { collapseToDocuments } from '../eval/collapse.js';
import { formatEvalTable, runEval } from '../eval/run-eval.js';
import { createLogger } from '../observability/logger.js';
import { RETRIEVAL_MODES, type RetrievalMode } from '../rag/types.js';
import { Runtime } from '../runtime.js';

/** Chunks fetched per query so that `k` distinct documents remain after collapsing chunks. */
const CHUNK_OVERFETCH = 3;

export interface EvalCommandOptions {
  modes: string;
  k: number;
  json?: string;
  keepData?: boolean;
}

export async function evalCommand(datasetDir: string, options: EvalCommandOptions): Promise<number> {
  const modes = options.modes.split(',').map((m) => m.trim()) as RetrievalMode[];
  for (const m of modes) if (!RETRIEVAL_MODES.includes(m)) throw new Error(`unknown mode '${m}'; use ${RETRIEVAL_MODES.join(', ')}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'ragd-eval-'));
  const config = loadConfig({ ...process.env, RAGD_DATA_DIR: dataDir, RAGD_SQLITE_SYNCHRONOUS: 'normal' });
  const rt = new Runtime(config, createLogger({ level: 'warn', pretty: false, destination: process.stderr }));
  await rt.start();
  const key = { tenant: 'default', name: 'eval' };
  const signal = new AbortController().signal;
  try {
    const result = await runEval({
      datasetDir,
      modes,
      k: options.k,
      ingest: async (docs) => {
        await rt.ingest(key, docs.map((d) => ({ id: d.id, title: d.title, text: d.text.trim() ? d.text : d.title || d.id })), signal);
      },
      search: async (query, mode, topK) => {
        const collection = await rt.requireCollection(key);
        const res = await rt.retriever.retrieve(collection, query, { mode, topK: Math.min(1000, topK * CHUNK_OVERFETCH), signal });
        return collapseToDocuments(res.hits, topK);
      },
      onProgress: (p) => {
        if (!process.stderr.isTTY) return;
        const line = p.phase === 'ingest' ? `ingested ${p.documents} documents` : `${p.mode}: ${p.done}/${p.total} queries`;
        process.stderr.write(`\r${line.padEnd(60)}`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(formatEvalTable(result));
    if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 2));
    return 0;
  } finally {
    await rt.close();
    if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    else console.error(`data kept in ${dataDir}`);
  }
}
