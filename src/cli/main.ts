#!/usr/bin/env node
/** The `ragd` command line: serve, ingest, query, keys, config. */
import { Command, InvalidArgumentError } from 'commander';
import { isRagdError } from '../errors/ragd-error.js';
import { RETRIEVAL_MODES, type RetrievalMode } from '../rag/types.js';
import { benchCommand } from './bench.js';
import { soakCommand } from './soak.js';
import { configCommand } from './config.js';
import { evalCommand } from './eval.js';
import { ingestCommand } from './ingest.js';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './keys.js';
import { queryCommand } from './query.js';
import { serveCommand } from './serve.js';

function mode(value: string): RetrievalMode {
  if (!(RETRIEVAL_MODES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${RETRIEVAL_MODES.join(', ')}`);
  return value as RetrievalMode;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const program = new Command()
  .name('ragd')
  .description('Retrieval-augmented generation service: fast, resilient, observable.')
  .showHelpAfterError();

program.command('serve', { isDefault: true }).description('start the HTTP server (configured by RAGD_* variables)').action(serveCommand);

program
  .command('ingest <path>')
  .description('ingest a file or a folder of .txt/.md/.html files')
  .option('-c, --collection <name>', 'collection', 'default')
  .option('-s, --server <url>', 'talk to this running server instead of opening the data dir')
  .option('--json', 'print the summary as JSON')
  .action(async (path: string, opts) => {
    process.exitCode = await ingestCommand(path, opts);
  });

program
  .command('query <question>')
  .description('ask a question and print a grounded answer with its sources')
  .option('-c, --collection <name>', 'collection', 'default')
  .option('-m, --mode <mode>', `retrieval mode (${RETRIEVAL_MODES.join('|')})`, mode, 'hybrid')
  .option('-k, --top-k <n>', 'sources to retrieve', positiveInt)
  .option('-s, --server <url>', 'talk to this running server instead of opening the data dir')
  .option('--stream', 'print the answer as it is generated')
  .option('--json', 'print the response as JSON')
  .action(async (question: string, opts) => {
    process.exitCode = await queryCommand(question, opts);
  });

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

program
  .command('bench')
  .description('load-test ragd against a bare Fastify route in the same run')
  .option('--scenarios <list>', 'comma-separated: exact-hit, exact-hit-br, semantic-hit, cache-miss, search, ingest, provider', 'exact-hit,exact-hit-br,semantic-hit,cache-miss,search,ingest,provider')
  .option('-c, --connections <n>', 'concurrent connections', positiveInt, 10)
  .option('-d, --duration <s>', 'measured seconds per scenario', positiveInt, 10)
  .option('-w, --warmup <s>', 'warm-up seconds per scenario', nonNegative, 2)
  .option('--corpus <docs>', 'seed corpus size in documents', positiveInt)
  .option('-t, --threshold <expr>', "k6-style threshold, repeatable: 'p95<200', 'errors<0.01', 'exact_hit:p99<5'", collect, [])
  .option('--upstream-latency <ms>', 'fake provider latency (provider scenario)', nonNegative, 50)
  .option('--upstream-failure-rate <r>', 'fake provider failure rate, 0..1 (provider scenario)', nonNegative, 0)
  .option('--no-same-bytes', "skip the same-bytes reference (the bare route answering each scenario's requests with bodies of its answers' size)")
  .option('--json <file>', 'write the report as JSON')
  .option('--svg <file>', 'write a bar chart of req/s and p99 as SVG')
  .option('--soak <minutes>', 'instead: a mixed workload for N minutes, reporting RSS, heap, event-loop delay and errors over time', nonNegative)
  .action(async (opts) => {
    process.exitCode = opts.soak ? await soakCommand({ minutes: opts.soak, connections: opts.connections, ...(opts.json ? { json: opts.json } : {}) }) : await benchCommand(opts);
  });

program
  .command('eval <dataset>')
  .description('evaluate retrieval (nDCG@10, Recall@10/100, MRR@10) on a BEIR-format folder')
  .option('--modes <list>', 'comma-separated modes', 'lexical,vector,hybrid')
  .option('-k, --k <n>', 'ranking depth per query', positiveInt, 100)
  .option('--json <file>', 'also write the full result (per query) as JSON')
  .option('--keep-data', 'keep the temporary data directory')
  .action(async (dataset: string, opts) => {
    process.exitCode = await evalCommand(dataset, opts);
  });

const keys = program.command('keys').description('manage API keys in the data directory (see docs/security.md)');
keys
  .command('create')
  .description('create an API key and print it (the only time it is shown)')
  .requiredOption('-t, --tenant <tenant>', 'tenant the key acts for')
  .requiredOption('-s, --scopes <list>', 'comma-separated scopes: query, ingest, admin')
  .option('-n, --name <name>', 'a label for people')
  .option('-e, --expires <when>', 'expiry: a span (30d, 12h, 2w) or a date (2027-01-31)')
  .option('-r, --rate-limit <n>', "the key's own requests per minute per route class", positiveInt)
  .option('--json', 'print the key and its record as JSON')
  .action(async (opts) => {
    process.exitCode = await keysCreateCommand(opts);
  });
keys
  .command('list')
  .description('list API keys (never secrets)')
  .option('-t, --tenant <tenant>', 'only this tenant')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    process.exitCode = await keysListCommand(opts);
  });
keys
  .command('revoke <id>')
  .description('revoke an API key by id (running servers stop accepting it within 60 s)')
  .action(async (id: string) => {
    process.exitCode = await keysRevokeCommand(id);
  });

program
  .command('config')
  .description('validate and print the configuration (secrets hidden)')
  .option('--markdown', 'print the table of every setting as Markdown')
  .action((opts) => {
    process.exitCode = configCommand(opts);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (isRagdError(err)) console.error(`ragd: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
