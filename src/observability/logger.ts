/**
 * The process logger: pino JSON lines (one object per line) with secrets redacted. Pretty output
 * (pino-pretty) only when stdout is a terminal, unless RAGD_PRETTY_LOGS says otherwise. Otherwise
 * lines go to stdout through LineDestination (log-destination.ts): batched asynchronous writes,
 * flushed by `logger.flush(cb)` and synchronously on process exit, crashes included.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { IsoTimeField, isoTimeFunction } from './iso-time-field.js';
import { LineDestination } from './log-destination.js';

/**
 * Paths never logged in clear: credentials in request and response headers, credential-named
 * fields, and the secrets of the Config object should anyone log it.
 *
 * Deliberately no `*` wildcards: pino's redaction then walks every key of every logged object, and
 * the per-request line cost went from ~5 to ~15 µs (bench/observability-overhead.ts). Request
 * headers are never logged in the first place (the request line lists chosen fields only), so
 * these explicit paths are the second line of defence, not the first.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-service-token"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-service-token"]',
  'headers.cookie',
  'err.headers.authorization',
  'authorization',
  'apiKey',
  'token',
  'secret',
  'password',
  'config.openai.apiKey',
  'config.auth.serviceToken.value',
  'config.auth.metricsToken.value',
  'config.auth.jwt.secret.value',
  'config.redis.url',
  'openai.apiKey',
  'auth.serviceToken.value',
  'auth.metricsToken.value',
  'auth.jwt.secret.value',
  'redis.url',
];

export interface LoggerOptions {
  level: string;
  pretty?: boolean | undefined;
  /** Write here instead of stdout (tests capture lines in memory). */
  destination?: DestinationStream;
  /** Clock for the `time` field, epoch ms. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * pino's `timestamp` option: `"time"` as ISO 8601, what pino.stdTimeFunctions.isoTime writes, from a
 * per-second cache (iso-time-field.ts says why); the access line writes the same field as bytes.
 */
export function cachedIsoTime(now: () => number = Date.now): () => string {
  return isoTimeFunction(new IsoTimeField(now));
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'ragd' },
    timestamp: cachedIsoTime(options.now),
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  // A log line is queued, not written, on the request path; one write every 100 ms (or per 64 KB)
  // carries every line queued since. Flushed on shutdown (serve.ts) and on exit. Going through
  // `process.stdout` has Node open a stdout pipe non-blocking, so a slow reader never stalls the loop.
  return pino(base, new LineDestination({ fd: process.stdout.fd }));
}
