/** Parses CLI time spans like `90s`, `15m`, `12h`, `30d`, `2w` into milliseconds. */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Milliseconds, or undefined when `text` is not `<positive integer><s|m|h|d|w>`. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d{1,9})([smhdw])$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 ? n * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/**
 * An absolute time (epoch ms) from a span relative to `now` (`30d`) or an RFC 3339 date
 * (`2027-01-31`, `2027-01-31T12:00:00Z`); undefined when it is neither.
 */
export function parseExpiry(text: string, now: number = Date.now()): number | undefined {
  const span = parseDurationMs(text);
  if (span !== undefined) return now + span;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}
