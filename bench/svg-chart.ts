/**
 * A two-panel horizontal bar chart (req/s and p99 latency per scenario) as a standalone SVG file.
 * Hand-written because it is ~60 lines of markup: a charting library (and a headless browser to
 * render it) would outweigh the chart, and plain SVG renders on GitHub and in any browser.
 */

/** One row of the chart. */
export interface ChartRow {
  readonly name: string;
  readonly rps: number;
  /** p99 latency in milliseconds. */
  readonly p99: number;
}

const LABEL_W = 150;
const PANEL_W = 300;
const GAP = 40;
const ROW_H = 26;
const TOP = 56;

/**
 * Renders the chart. Each row gets one `<rect class="bar rps">` and one `<rect class="bar p99">`,
 * scaled to the largest value of its panel; values are printed beside the bars.
 */
export function renderBarChartSvg(rows: readonly ChartRow[], title = 'ragd benchmark'): string {
  const width = LABEL_W + 2 * PANEL_W + 2 * GAP;
  const height = TOP + rows.length * ROW_H + 20;
  const maxRps = Math.max(1, ...rows.map((r) => r.rps));
  const maxP99 = Math.max(1e-9, ...rows.map((r) => r.p99));
  const panel2 = LABEL_W + PANEL_W + GAP;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    '<style>.rps{fill:#2f6fdf}.p99{fill:#d9822b}.label{fill:#222}.value{fill:#444}.axis{stroke:#999}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold" class="label">${escapeXml(title)}</text>`,
    `<text x="${LABEL_W}" y="44" class="label" font-weight="bold">requests per second (higher is better)</text>`,
    `<text x="${panel2}" y="44" class="label" font-weight="bold">p99 latency, ms (lower is better)</text>`,
  ];
  rows.forEach((row, i) => {
    const y = TOP + i * ROW_H;
    const mid = y + ROW_H / 2 + 4;
    const wRps = Math.max(1, (row.rps / maxRps) * (PANEL_W - 60));
    const wP99 = Math.max(1, (row.p99 / maxP99) * (PANEL_W - 60));
    out.push(
      `<text x="${LABEL_W - 8}" y="${mid}" text-anchor="end" class="label">${escapeXml(row.name)}</text>`,
      `<rect class="bar rps" x="${LABEL_W}" y="${y + 4}" width="${wRps.toFixed(1)}" height="${ROW_H - 8}"/>`,
      `<text x="${(LABEL_W + wRps + 4).toFixed(1)}" y="${mid}" class="value">${formatNumber(row.rps)}</text>`,
      `<rect class="bar p99" x="${panel2}" y="${y + 4}" width="${wP99.toFixed(1)}" height="${ROW_H - 8}"/>`,
      `<text x="${(panel2 + wP99 + 4).toFixed(1)}" y="${mid}" class="value">${formatNumber(row.p99)}</text>`,
    );
  });
  const bottom = TOP + rows.length * ROW_H;
  out.push(
    `<line class="axis" x1="${LABEL_W}" y1="${TOP}" x2="${LABEL_W}" y2="${bottom}"/>`,
    `<line class="axis" x1="${panel2}" y1="${TOP}" x2="${panel2}" y2="${bottom}"/>`,
    '</svg>',
  );
  return out.join('\n') + '\n';
}

/** Escapes the five XML special characters. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

function formatNumber(x: number): string {
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  return x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
