#!/usr/bin/env node
/** The `ragd` command line: serve, ingest, query, config. */
import { Command, InvalidArgumentError } from 'commander';
import { isRagdError } from '../errors/ragd-error.js';
import { RETRIEVAL_MODES, type RetrievalMode } from '../rag/types.js';
import { configCommand } from './config.js';
import { ingestCommand } from './ingest.js';
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
