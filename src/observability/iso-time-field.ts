/**
 * pino's `time` field as ISO 8601 (`,"time":"2026-12-03T14:22:37.094Z"`, what
 * pino.stdTimeFunctions.isoTime writes), from a cache per second: the text up to the millisecond
 * digits is formatted once a second and each line appends its three digits. Two forms of the same
 * bytes: a string for pino (the logger's `timestamp` option) and bytes written into a buffer for
 * the access line (access-line-bytes.ts).
 *
 * Why per second rather than per millisecond (which this did before): a server answering a few
 * thousand requests a second logs nearly every line in a millisecond of its own, so a cache per
 * millisecond ran `Date#toISOString` (and built a string) for almost every line, ~1 µs of a
 * request's CPU on the project VM.
 */

/** Where pino's timestamp function made by {@link isoTimeFunction} keeps its field, for the access line. */
export const kIsoTimeField = Symbol('ragd.isoTimeField');

/** Bytes the field takes at most: 38 for four-digit years, 41 for the extended years Date allows. */
export const ISO_TIME_FIELD_MAX_BYTES = 48;

const DIGIT_0 = 0x30;
const QUOTE = 0x22;
const LETTER_Z = 0x5a;

export class IsoTimeField {
  /** The second `head` is for (floor of epoch ms / 1000); NaN before the first line. */
  private second = Number.NaN;
  /** `,"time":"2026-12-03T14:22:37.`: everything before the millisecond digits. */
  private head = '';
  private headBytes = Buffer.alloc(0);
  private lastMs = Number.NaN;
  private lastText = '';

  constructor(private readonly now: () => number = Date.now) {}

  /** The field as a string, for pino; of `at` (epoch ms) when given, else of now. */
  text(at?: number): string {
    const ms = Math.trunc(at ?? this.now());
    if (ms === this.lastMs) return this.lastText;
    const milli = this.enter(ms);
    this.lastMs = ms;
    this.lastText = `${this.head}${milli < 100 ? (milli < 10 ? '00' : '0') : ''}${milli}Z"`;
    return this.lastText;
  }

  /**
   * Writes the field of `at` (epoch ms; now when not given) at `offset`, which needs
   * {@link ISO_TIME_FIELD_MAX_BYTES} of room; returns the offset after it.
   */
  writeInto(buf: Uint8Array, offset: number, at?: number): number {
    const milli = this.enter(Math.trunc(at ?? this.now()));
    const head = this.headBytes;
    let o = offset;
    for (let i = 0; i < head.length; i++) buf[o++] = head[i] as number;
    buf[o++] = DIGIT_0 + Math.trunc(milli / 100);
    buf[o++] = DIGIT_0 + (Math.trunc(milli / 10) % 10);
    buf[o++] = DIGIT_0 + (milli % 10);
    buf[o++] = LETTER_Z;
    buf[o++] = QUOTE;
    return o;
  }

  /** Makes `head` that of `ms`'s second (a clock step back included) and returns the millisecond, 0-999. */
  private enter(ms: number): number {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      // Throws RangeError for a time Date cannot represent, as toISOString on every line did.
      const iso = new Date(second * 1000).toISOString();
      this.head = `,"time":"${iso.slice(0, -4)}`;
      this.headBytes = Buffer.from(this.head, 'latin1');
      this.second = second;
    }
    return ms - second * 1000;
  }
}

/** pino's `timestamp` option for `field`; the access line finds the field on it (kIsoTimeField). */
export function isoTimeFunction(field: IsoTimeField): (() => string) & { [kIsoTimeField]: IsoTimeField } {
  const fn = (() => field.text()) as (() => string) & { [kIsoTimeField]: IsoTimeField };
  fn[kIsoTimeField] = field;
  return fn;
}
