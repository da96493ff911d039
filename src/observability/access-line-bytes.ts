/**
 * The access line (access-line.ts) encoded byte by byte straight into the log destination's
 * pending buffer (LineDestination.writeEncoded), the same bytes `formatAccessLine` makes, with no
 * string built for it. The constant parts (level prefix, bindings, the method/route/url segment
 * remembered per URL, the field names) are copied from byte arrays made once; the parts that vary
 * (request id, status, duration, trace id, cache outcome) are written character by character.
 *
 * Why: the string form is ten-odd concatenations, flattened and then UTF-8 encoded into the buffer
 * by a native call, per request; in the server's profile that was most of what the line cost (the
 * concatenated pieces are garbage at once, so the young generation fills faster too).
 *
 * Only printable ASCII other than `"` and `\` is written this way, which is everything on the
 * common path (request ids are tokens or UUIDs, trace ids hex, cache outcomes and degraded reasons
 * from closed sets): any other character makes the encoder decline, and the caller writes the line
 * as a string through JSON.stringify's escaping instead.
 */
import { ISO_TIME_FIELD_MAX_BYTES, IsoTimeField } from './iso-time-field.js';
import type { LineEncoder } from './log-destination.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TILDE = 0x7e;
const DIGIT_0 = 0x30;
const DOT = 0x2e;

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const REQ_ID = bytes(',"reqId":"');
const STATUS = bytes(',"status":');
const DURATION = bytes(',"durationMs":');
const TRACE_ID = bytes(',"traceId":"');
const CACHE = bytes(',"cache":"');
const DEGRADED = bytes(',"degraded":');
const EMPTY = Buffer.alloc(0);

/** Room for everything but the strings' own characters: field names, numbers, time, tail. */
const FIXED_ROOM = 256;

/** Copies `src` to `buf` at `o`; returns the offset after it. A loop: these are tens of bytes, below what a native copy pays to start. */
function copy(buf: Uint8Array, o: number, src: Uint8Array): number {
  for (let i = 0; i < src.length; i++) buf[o++] = src[i] as number;
  return o;
}

/** Writes `s` if every character is printable ASCII other than `"` and `\` (JSON needs no escape); else -1. */
export function writeAscii(buf: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < SPACE || c > TILDE || c === QUOTE || c === BACKSLASH) return -1;
    buf[o++] = c;
  }
  return o;
}

/** Copies `json`, text that is already JSON, if it is all printable ASCII (its quotes and escapes are its own); else -1. */
function copyJsonAscii(buf: Uint8Array, o: number, json: string): number {
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < SPACE || c > TILDE) return -1;
    buf[o++] = c;
  }
  return o;
}

/** Largest integer written digit by digit; anything else (and any non-integer) goes through String(). */
const FAST_INT_MAX = 1e9;

/** Writes `String(n)`. */
export function writeNumber(buf: Uint8Array, o: number, n: number): number {
  if (!(Number.isInteger(n) && n >= 0 && n < FAST_INT_MAX)) return writeAscii(buf, o, String(n));
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  let v = n;
  for (let i = o + digits - 1; i >= o; i--) {
    buf[i] = DIGIT_0 + (v % 10);
    v = Math.trunc(v / 10);
  }
  return o + digits;
}

/** Writes `durationText(ms)` (access-line.ts): two decimals at most, trailing zeros dropped. */
export function writeDuration(buf: Uint8Array, o: number, ms: number): number {
  const hundredths = Math.round(ms * 100);
  if (!(ms >= 0 && ms < FAST_INT_MAX) || hundredths / 100 !== ms) return writeAscii(buf, o, String(ms));
  const whole = Math.trunc(hundredths / 100);
  const frac = hundredths - whole * 100;
  let p = writeNumber(buf, o, whole);
  if (frac === 0) return p;
  buf[p++] = DOT;
  buf[p++] = DIGIT_0 + Math.trunc(frac / 10);
  if (frac % 10 !== 0) buf[p++] = DIGIT_0 + (frac % 10);
  return p;
}

/** What is constant across a writer's lines. */
export interface AccessLineConstants {
  /** The `time` field: bytes straight from the field, or pino's timestamp function's string. */
  time: IsoTimeField | (() => string);
  /** The logger's bindings, e.g. `,"service":"ragd"`. */
  chindings: string;
  /** The closing `,"msg":"request completed"}` and newline. */
  tail: string;
}

/**
 * One writer's encoder: set the line's parts with {@link AccessLineEncoder.set}, then hand it to
 * LineDestination.writeEncoded. Reused line after line, so nothing is allocated per line.
 */
export class AccessLineEncoder implements LineEncoder {
  private readonly time: IsoTimeField | undefined;
  private readonly timeText: (() => string) | undefined;
  private readonly chindings: Uint8Array;
  private readonly tail: Uint8Array;
  private levelPrefix: Uint8Array = EMPTY;
  private reqId = '';
  private segment: Uint8Array = EMPTY;
  private status = 0;
  private durationMs = 0;
  private traceId: string | undefined;
  private cache: string | undefined;
  private degraded: string | undefined;
  private at: number | undefined;

  constructor(constants: AccessLineConstants) {
    if (constants.time instanceof IsoTimeField) this.time = constants.time;
    else this.timeText = constants.time;
    this.chindings = bytes(constants.chindings);
    this.tail = bytes(constants.tail);
  }

  /**
   * Sets the next line's parts and returns the bytes it may take at most. `segment` is the UTF-8
   * of `,"method":…,"route":…,"url":…`; `degraded` is already JSON (`["a","b"]`). `at` (epoch ms)
   * is the line's time when the time field is ragd's IsoTimeField; other time functions say now.
   */
  set(
    levelPrefix: Uint8Array,
    reqId: string,
    segment: Uint8Array,
    status: number,
    durationMs: number,
    traceId: string | undefined,
    cache: string | undefined,
    degraded: string | undefined,
    at?: number,
  ): number {
    this.at = at;
    this.levelPrefix = levelPrefix;
    this.reqId = reqId;
    this.segment = segment;
    this.status = status;
    this.durationMs = durationMs;
    this.traceId = traceId;
    this.cache = cache;
    this.degraded = degraded;
    return (
      FIXED_ROOM +
      levelPrefix.length +
      this.chindings.length +
      this.tail.length +
      reqId.length +
      segment.length +
      (traceId?.length ?? 0) +
      (cache?.length ?? 0) +
      (degraded?.length ?? 0)
    );
  }

  encodeInto(buf: Buffer, offset: number): number {
    let o = copy(buf, offset, this.levelPrefix);
    if (this.time !== undefined) o = this.time.writeInto(buf, o, this.at);
    else {
      const text = (this.timeText as () => string)();
      o = text.length > ISO_TIME_FIELD_MAX_BYTES ? -1 : copyJsonAscii(buf, o, text);
      if (o < 0) return -1;
    }
    o = copy(buf, o, this.chindings);
    o = copy(buf, o, REQ_ID);
    o = writeAscii(buf, o, this.reqId);
    if (o < 0) return -1;
    buf[o++] = QUOTE;
    o = copy(buf, o, this.segment);
    o = copy(buf, o, STATUS);
    o = writeNumber(buf, o, this.status);
    if (o < 0) return -1;
    o = copy(buf, o, DURATION);
    o = writeDuration(buf, o, this.durationMs);
    if (o < 0) return -1;
    if (this.traceId !== undefined) {
      o = writeAscii(buf, copy(buf, o, TRACE_ID), this.traceId);
      if (o < 0) return -1;
      buf[o++] = QUOTE;
    }
    if (this.cache !== undefined) {
      o = writeAscii(buf, copy(buf, o, CACHE), this.cache);
      if (o < 0) return -1;
      buf[o++] = QUOTE;
    }
    if (this.degraded !== undefined) {
      o = copyJsonAscii(buf, copy(buf, o, DEGRADED), this.degraded);
      if (o < 0) return -1;
    }
    return copy(buf, o, this.tail);
  }
}
