/**
 * A plain monospace table for terminal reports (evaluation and benchmark): columns padded to
 * their widest cell, numbers right-aligned, no colours, so the output pastes cleanly into docs.
 */

/** Column alignment: text columns read better left-aligned, numbers right-aligned. */
export type Align = 'left' | 'right';

/**
 * Renders `rows` under `headers`, with a dashed rule below the header row.
 * `align[i]` defaults to `'left'` for the first column and `'right'` for the others.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, i) => {
        const cell = cells[i] ?? '';
        return (align[i] ?? (i === 0 ? 'left' : 'right')) === 'left' ? cell.padEnd(w) : cell.padStart(w);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
