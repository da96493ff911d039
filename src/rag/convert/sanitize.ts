/**
 * Input hygiene applied before any format parser: unified line endings, no control characters,
 * no lone UTF-16 surrogates. Binary-ish junk then converts to harmless text instead of throwing
 * or leaking invisible characters into indexes and answers.
 */

// C0/C1 controls except tab and line feed (carriage returns are folded into line feeds first).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Zero-width characters and the byte-order mark carry no meaning for search or answers.
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;

/** Returns `source` with CRLF/CR as LF, control and zero-width characters removed and lone surrogates replaced by U+FFFD. */
export function sanitizeSource(source: string): string {
  return source.replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(INVISIBLE, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** Collapses every run of whitespace (including newlines and no-break spaces) to one space. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/**
 * Cleans multi-line text: whitespace collapsed within each line, lines trimmed, empty lines
 * dropped. Used where a line break is meaningful (`<br>`, Markdown hard breaks, plain text).
 */
export function cleanLines(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const clean = line.replace(/\s+/g, ' ').trim();
    if (clean.length > 0) out.push(clean);
  }
  return out.join('\n');
}
