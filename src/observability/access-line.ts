/**
 * The per-request access line, written straight to the pino logger's destination in exactly the
 * bytes pino would write for `logger[level](fields, 'request completed')`: `level` (numeric),
 * pino's `time` field (the logger's own timestamp function), the logger's bindings (`service`),
 * the fields, then `msg`. The request id goes under `reqId`, Fastify's default `requestIdLogLabel`,
 * so it matches the lines request.log writes for the same request.
 *
 * Why by hand rather than through `logger.info(...)`: this is the one line written for every
 * request, on the exact-cache-hit path that the observability target measures (<= 5% for metrics and
 * logging together). pino's generic path walks the object's keys, checks serialisers, hooks and
 * redaction per key and rebuilds the chunk per call; the access line has a fixed shape, so its
 * serialiser is a handful of concatenations. Strings that can carry client input (url, request id,
 * trace id) go through JSON.stringify, so the line is valid JSON whatever they hold; the others
 * come from closed sets (HTTP method, route template, cache outcome, degraded reasons).
 * Everything else that ragd logs still goes through pino, as does this line whenever the logger is
 * not a plain pino logger (then `logger[level](fields, msg)` is called instead).
 * On ragd's own destination (LineDestination) the line is not built as a string at all but encoded
 * byte by byte into the destination's buffer (access-line-bytes.ts), the same bytes; the string
 * form is kept for other destinations and for lines with characters JSON must escape.
 */
import { pino, type Logger } from 'pino';
import { AccessLineEncoder } from './access-line-bytes.js';
import { kIsoTimeField, type IsoTimeField } from './iso-time-field.js';
import { LineDestination } from './log-destination.js';

export const ACCESS_LINE_MESSAGE = 'request completed';

/** The fields of one access line, in the order they are written. */
export interface AccessFields {
  reqId: string;
  method: string;
  route: string;
  url: string;
  status: number;
  durationMs: number;
  traceId?: string | undefined;
  cache?: string | undefined;
  degraded?: readonly string[] | undefined;
  /**
   * When the request finished (epoch ms), for lines written later (response-batch.ts): the `time`
   * field says this when the logger's timestamp is ragd's (createLogger), else the time of writing.
   */
  at?: number | undefined;
}

export type AccessLevel = 'info' | 'error';

/** Writes one access line at `level`; does nothing when the logger would drop that level. */
export type AccessLineWriter = (level: AccessLevel, fields: AccessFields) => void;

interface PinoInternals {
  time: () => string;
  chindings: string;
  stream: { write(line: string): unknown };
  /** pino's cached `{"level":N` prefix per level number (what its level formatter makes). */
  levelPrefix: Record<number, string>;
  levelValue: (level: AccessLevel) => number;
}

/**
 * pino's internals this writer needs, from the symbols pino exports; undefined for other loggers
 * and for any pino set-up that would change the line's bytes or needs per-line metadata (a log
 * formatter, mixin, other message key, nested key, stream-write hook, or a multistream).
 */
function pinoInternals(logger: Logger): PinoInternals | undefined {
  const s = pino.symbols as unknown as Record<string, symbol>;
  const l = logger as unknown as Record<symbol, unknown>;
  const get = (name: string): unknown => (s[name] === undefined ? undefined : l[s[name] as symbol]);
  const time = get('timeSym');
  const stream = get('streamSym') as Record<string | symbol, unknown> | undefined;
  const chindings = get('chindingsSym');
  const levelPrefix = get('lsCacheSym') as Record<number, string> | undefined;
  const formatters = get('formattersSym') as { log?: unknown } | undefined;
  const hooks = get('hooksSym') as { streamWrite?: unknown } | undefined;
  const values = (logger as { levels?: { values?: Record<string, number> } }).levels?.values;
  const needsMetadata = s.needsMetadataGsym !== undefined && stream?.[s.needsMetadataGsym] === true;
  if (typeof time !== 'function' || typeof stream?.write !== 'function' || typeof chindings !== 'string') return undefined;
  if (levelPrefix === undefined || values === undefined || needsMetadata) return undefined;
  if (formatters?.log !== undefined || hooks?.streamWrite !== undefined || get('mixinSym') !== undefined) return undefined;
  if (get('messageKeySym') !== 'msg' || get('nestedKeySym') != null) return undefined;
  return {
    time: time as () => string,
    chindings,
    stream: stream as unknown as PinoInternals['stream'],
    levelPrefix,
    levelValue: (level) => values[level] as number,
  };
}

/** The line's bytes (with the trailing newline), given pino's time field and bindings. */
export function formatAccessLine(levelPrefix: string, time: string, chindings: string, f: AccessFields): string {
  let line = `${levelPrefix}${time}${chindings},"reqId":${jsonString(f.reqId)}${requestSegment(f.method, f.route, f.url)},"status":${f.status},"durationMs":${durationText(f.durationMs)}`;
  if (f.traceId !== undefined) line += `,"traceId":${jsonString(f.traceId)}`;
  if (f.cache !== undefined) line += `,"cache":${jsonString(f.cache)}`;
  if (f.degraded !== undefined) line += `,"degraded":${JSON.stringify(f.degraded)}`;
  return `${line},"msg":"${ACCESS_LINE_MESSAGE}"}\n`;
}

/*
 * The three helpers below make the same bytes as JSON.stringify / String, faster for what an access
 * line holds (short ASCII tokens, one of a few URLs, durations in hundredths of a millisecond): the
 * line went from ~1,000 ns to ~300 ns in process, most of what logging adds to an exact-cache hit
 * besides the write itself. test/observability/access-line.test.ts checks them against the originals.
 */

/** `JSON.stringify(s)`: quoted as is when every character is printable ASCII other than `"` and `\`. */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** URLs longer than this are not remembered (query strings make them many and varied). */
const SEGMENT_MEMO_MAX_URL = 256;
/** Remembered (method, url) segments at most; the memo is dropped whole when full. */
const SEGMENT_MEMO_ENTRIES = 512;
const segments = new Map<string, Map<string, Segment>>();
let segmentCount = 0;

interface Segment {
  route: string;
  text: string;
  /** `text` in UTF-8, for the encoder that writes the line as bytes (access-line-bytes.ts). */
  bytes: Uint8Array;
}

/** `,"method":…,"route":…,"url":…`, remembered per method and URL (checked against the route). */
export function requestSegment(method: string, route: string, url: string): string {
  return segmentOf(method, route, url).text;
}

function segmentOf(method: string, route: string, url: string): Segment {
  if (url.length > SEGMENT_MEMO_MAX_URL) return newSegment(method, route, url);
  let byUrl = segments.get(method);
  const known = byUrl?.get(url);
  if (known !== undefined && known.route === route) return known;
  const segment = newSegment(method, route, url);
  if (segmentCount >= SEGMENT_MEMO_ENTRIES) {
    segments.clear();
    segmentCount = 0;
    byUrl = undefined;
  }
  if (byUrl === undefined) segments.set(method, (byUrl = new Map()));
  if (!byUrl.has(url)) segmentCount++;
  byUrl.set(url, segment);
  return segment;
}

function newSegment(method: string, route: string, url: string): Segment {
  const text = segmentText(method, route, url);
  return { route, text, bytes: Buffer.from(text, 'utf8') };
}

function segmentText(method: string, route: string, url: string): string {
  return `,"method":${jsonString(method)},"route":${jsonString(route)},"url":${jsonString(url)}`;
}

/** Largest duration formatted by hand; beyond it (or with more than two decimals) String() is used. */
const DURATION_FAST_MAX_MS = 1e9;

/**
 * `String(ms)` for a duration with at most two decimals (what request-context.ts logs): the integer
 * and hundredths are printed as integers, which V8 does far faster than the shortest-round-trip
 * conversion of a double.
 */
export function durationText(ms: number): string {
  const hundredths = Math.round(ms * 100);
  if (!(ms >= 0 && ms < DURATION_FAST_MAX_MS) || hundredths / 100 !== ms) return String(ms);
  const whole = Math.trunc(hundredths / 100);
  const frac = hundredths - whole * 100;
  if (frac === 0) return `${whole}`;
  if (frac % 10 === 0) return `${whole}.${frac / 10}`;
  return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/** An access-line writer for `logger` (pino's bytes, written to its destination; see the file comment). */
export function accessLineWriter(logger: Logger): AccessLineWriter {
  const internals = pinoInternals(logger);
  if (internals === undefined) {
    return (level, fields) => {
      if (typeof logger.isLevelEnabled !== 'function' || logger.isLevelEnabled(level)) logger[level](withoutUndefined(fields), ACCESS_LINE_MESSAGE);
    };
  }
  const { time, chindings, stream, levelPrefix, levelValue } = internals;
  const field = (time as { [kIsoTimeField]?: IsoTimeField })[kIsoTimeField];
  const timeOf = field === undefined ? (_at: number | undefined) => time() : (at: number | undefined) => field.text(at);
  const asString: AccessLineWriter = (level, fields) => {
    stream.write(formatAccessLine(levelPrefix[levelValue(level)] as string, timeOf(fields.at), chindings, fields));
  };
  if (!(stream instanceof LineDestination)) {
    return (level, fields) => {
      if (logger.isLevelEnabled(level)) asString(level, fields);
    };
  }
  // ragd's own destination: the line is encoded into its buffer as bytes (access-line-bytes.ts).
  const encoder = new AccessLineEncoder({ time: field ?? time, chindings, tail: `,"msg":"${ACCESS_LINE_MESSAGE}"}\n` });
  const prefix = (level: AccessLevel): Uint8Array => Buffer.from(levelPrefix[levelValue(level)] as string, 'utf8');
  const prefixes: Record<AccessLevel, Uint8Array> = { info: prefix('info'), error: prefix('error') };
  return (level, f) => {
    if (!logger.isLevelEnabled(level)) return;
    const degraded = f.degraded === undefined ? undefined : JSON.stringify(f.degraded);
    const room = encoder.set(prefixes[level], f.reqId, segmentOf(f.method, f.route, f.url).bytes, f.status, f.durationMs, f.traceId, f.cache, degraded, f.at);
    // Declined: a string needs JSON escaping (or the time field is not ragd's); written as a string.
    if (stream.writeEncoded(room, encoder) === 'declined') asString(level, f);
  };
}

function withoutUndefined(fields: AccessFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && k !== 'at') out[k] = v;
  return out;
}
