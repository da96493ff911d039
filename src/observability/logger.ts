/**
 * The process logger: pino JSON lines (one object per line) with secrets redacted. Pretty output
 * (pino-pretty) only when stdout is a terminal, unless RAGD_PRETTY_LOGS says otherwise.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

/** Paths never logged in clear: credentials in headers and in config. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-service-token"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-service-token"]',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

export interface LoggerOptions {
  level: string;
  pretty?: boolean | undefined;
  /** Write here instead of stdout (tests capture lines in memory). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'ragd' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base);
}
