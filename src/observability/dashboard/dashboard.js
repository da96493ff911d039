// ragd live dashboard. Polls /metrics (Prometheus text format, parsed here), /metrics/circuit-breaker
// and /metrics/slo every `?refresh=ms` (default 2000) and renders them. Rates and latency
// percentiles come from counter and histogram deltas between two scrapes; before the second scrape,
// and when no request arrived in between, cumulative figures "since start" are shown instead.
// Plain DOM, no dependencies; values are written with textContent, never parsed as HTML.

const DEFAULT_REFRESH_MS = 2000;
const MIN_REFRESH_MS = 250;
const MAX_REFRESH_MS = 10 * 60 * 1000;
const FETCH_TIMEOUT_MS = 10000;
/** After a 404 an optional endpoint is asked again only this much later, to keep the console quiet. */
const MISSING_RETRY_MS = 30000;
/** Points kept for the sparklines. */
const HISTORY = 60;
/** Rows in the top-errors table. */
const TOP_ERRORS = 10;
/** Scrapes, probes and this page itself would drown real traffic in the request figures. */
const SELF_ROUTES = /^\/(metrics|health|live|ready|dashboard)(\/|$)/;
const NOT_FOUND = Symbol('not found');

// ---------------------------------------------------------------------------------------------
// Prometheus text format and histogram maths (exported for tests).

/**
 * Parses the Prometheus text exposition format into a Map of metric name to samples
 * `{ labels, value }`. Comments, HELP/TYPE lines and timestamps are ignored.
 */
export function parsePrometheus(text) {
  const out = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line[0] === '#') continue;
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') i++;
    const name = line.slice(0, i);
    const labels = {};
    if (line[i] === '{') {
      i++;
      while (i < line.length && line[i] !== '}') {
        if (line[i] === ',' || line[i] === ' ') {
          i++;
          continue;
        }
        const eq = line.indexOf('=', i);
        if (eq === -1) break;
        const key = line.slice(i, eq).trim();
        i = eq + 1;
        if (line[i] === '"') i++;
        let value = '';
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) {
            const next = line[i + 1];
            value += next === 'n' ? '\n' : next;
            i += 2;
          } else {
            value += line[i];
            i++;
          }
        }
        i++;
        labels[key] = value;
      }
      i++;
    }
    const value = parseValue(line.slice(i).trim().split(/\s+/)[0]);
    if (name === '' || value === undefined) continue;
    let list = out.get(name);
    if (!list) {
      list = [];
      out.set(name, list);
    }
    list.push({ labels, value });
  }
  return out;
}

function parseValue(text) {
  if (text === undefined || text === '') return undefined;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * Sums histogram `_bucket` samples that pass `keep(labels)` per upper bound, as a list of
 * `{ le, count }` sorted by `le` (cumulative counts, like Prometheus).
 */
export function bucketsOf(samples, keep) {
  const byLe = new Map();
  for (const s of samples ?? []) {
    if (!keep(s.labels)) continue;
    const le = parseValue(s.labels.le);
    if (le === undefined) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** Bucket-wise `current - previous`; a counter reset (any negative delta) yields `current`. */
export function deltaBuckets(current, previous) {
  if (!previous) return current;
  const before = new Map(previous.map((b) => [b.le, b.count]));
  const delta = current.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) }));
  return delta.some((b) => b.count < 0) ? current : delta;
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside the bucket it falls in, as
 * PromQL's histogram_quantile does: the lowest bucket starts at 0, and a rank in the +Inf bucket
 * returns the highest finite bound. NaN with no observations.
 */
export function histogramQuantile(q, buckets) {
  if (buckets.length === 0) return NaN;
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerLe;
      const inBucket = b.count - lowerCount;
      if (inBucket <= 0) return b.le;
      return lowerLe + (b.le - lowerLe) * ((rank - lowerCount) / inBucket);
    }
    lowerLe = b.le;
    lowerCount = b.count;
  }
  return lowerLe;
}

function sum(samples, keep = () => true) {
  let total = 0;
  for (const s of samples ?? []) if (keep(s.labels)) total += s.value;
  return total;
}

/** Counter increase between scrapes; a restart (decrease) counts from zero. */
function increase(current, previous) {
  if (previous === undefined) return undefined;
  return current >= previous ? current - previous : current;
}

// ---------------------------------------------------------------------------------------------
// Formatting and DOM helpers.

const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const fmtInt = (n) => intFormat.format(n);
const fmtRate = (n) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const fmtPct = (r) => `${(r * 100).toFixed(1)}%`;
const fmtBurn = (n) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
function fmtMs(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const ms = seconds * 1000;
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return fmtInt(ms);
}
const fmtSeconds = (ms) => `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;

const $ = (id) => document.getElementById(id);
function setText(id, text) {
  const el = $(id);
  if (el && el.textContent !== text) el.textContent = text;
}
function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') node.textContent = v;
    else if (k === 'className') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}
function muted(text) {
  return el('p', { className: 'muted', text });
}
function table(caption, headers, rows) {
  const head = el('tr', {}, headers.map((h) => el('th', { scope: 'col', text: h.label, className: h.num ? 'num' : '' })));
  const body = rows.map((cells) =>
    el('tr', {}, cells.map((c, i) => {
      const td = el('td', { className: headers[i].num ? 'num' : '' });
      td.append(c instanceof Node ? c : document.createTextNode(String(c)));
      return td;
    })),
  );
  return el('table', {}, [el('caption', { text: caption }), el('thead', {}, [head]), el('tbody', {}, body)]);
}
function badge(text, tone) {
  return el('span', { className: `badge ${tone}`, text });
}

function sparkline(id, points) {
  const svg = $(id);
  if (!svg) return;
  const finite = points.filter((p) => Number.isFinite(p));
  svg.replaceChildren();
  if (finite.length < 2) return;
  const max = Math.max(...finite, 1e-9);
  const step = 120 / (HISTORY - 1);
  const offset = (HISTORY - points.length) * step;
  const coords = points
    .map((p, i) => (Number.isFinite(p) ? `${(offset + i * step).toFixed(1)},${(29 - (p / max) * 28).toFixed(1)}` : null))
    .filter((c) => c !== null)
    .join(' ');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', coords);
  svg.append(line);
}

function pushHistory(list, value) {
  list.push(value);
  if (list.length > HISTORY) list.shift();
}

// ---------------------------------------------------------------------------------------------
// Rendering.

const apiRoute = (labels) => !SELF_ROUTES.test(labels.route ?? '');

/** Everything remembered from the previous successful /metrics scrape. */
let previous;
const history = { rate: [], p95: [] };

function renderMetrics(metrics, at) {
  const requests = metrics.get('http_requests_total');
  const total = sum(requests, apiRoute);
  const errors5xx = sum(requests, (l) => apiRoute(l) && /^5/.test(l.status ?? ''));
  const buckets = bucketsOf(metrics.get('http_request_duration_seconds_bucket'), apiRoute);
  const hits = sum(metrics.get('rag_cache_hits_total'));
  const misses = sum(metrics.get('rag_cache_misses_total'));
  const errorRows = errorSeries(requests);
  const seconds = previous ? (at - previous.at) / 1000 : 0;

  // Requests.
  setText('req-total', fmtInt(total));
  const dTotal = increase(total, previous?.total);
  if (dTotal !== undefined && seconds > 0) {
    const rate = dTotal / seconds;
    setText('req-rate', fmtRate(rate));
    pushHistory(history.rate, rate);
  } else {
    setText('req-rate', '–');
  }
  // Share of 5xx among the last interval's requests, or among all of them when it had none.
  const d5xx = increase(errors5xx, previous?.errors5xx);
  if (dTotal > 0 && d5xx !== undefined) setText('req-error-rate', fmtPct(d5xx / dTotal));
  else setText('req-error-rate', total > 0 ? fmtPct(errors5xx / total) : '–');
  sparkline('spark-rate', history.rate);

  // Latency: the last interval when it had requests, else everything since start.
  const recent = deltaBuckets(buckets, previous?.buckets);
  const useRecent = previous !== undefined && recent.length > 0 && recent[recent.length - 1].count > 0;
  const source = useRecent ? recent : buckets;
  const p95 = histogramQuantile(0.95, source);
  setText('lat-p50', fmtMs(histogramQuantile(0.5, source)));
  setText('lat-p95', fmtMs(p95));
  setText('lat-p99', fmtMs(histogramQuantile(0.99, source)));
  setText('lat-window', useRecent ? `over the last ${fmtSeconds(at - previous.at)}` : 'since start');
  if (previous !== undefined) pushHistory(history.p95, useRecent ? p95 * 1000 : NaN);
  sparkline('spark-p95', history.p95);

  // Cache.
  const dHits = increase(hits, previous?.hits);
  const dMisses = increase(misses, previous?.misses);
  const recentLookups = dHits !== undefined && dMisses !== undefined && dHits + dMisses > 0;
  const [h, m] = recentLookups ? [dHits, dMisses] : [hits, misses];
  setText('cache-ratio', h + m > 0 ? fmtPct(h / (h + m)) : 'no lookups');
  setText('cache-hits', fmtInt(hits));
  setText('cache-misses', fmtInt(misses));
  setText('cache-window', recentLookups ? `ratio over the last ${fmtSeconds(at - previous.at)}` : 'ratio since start');

  // Degraded responses.
  const degraded = metrics.get('degraded_responses_total') ?? [];
  setText('degraded-total', fmtInt(sum(degraded)));
  const byReason = new Map();
  for (const s of degraded) byReason.set(s.labels.reason ?? 'unknown', (byReason.get(s.labels.reason ?? 'unknown') ?? 0) + s.value);
  const reasons = [...byReason.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  $('degraded-reasons').replaceChildren(
    ...(reasons.length === 0 ? [el('li', { text: 'none' })] : reasons.map(([r, n]) => el('li', { text: `${r}: ${fmtInt(n)}` }))),
  );

  // Top errors.
  const prevErrors = previous?.errorRows ?? new Map();
  const rows = [...errorRows.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)).slice(0, TOP_ERRORS);
  $('errors').replaceChildren(
    rows.length === 0
      ? muted('No 4xx or 5xx responses since start.')
      : table(
          'HTTP responses with status 400 or above, by route and status, since start',
          [{ label: 'Route' }, { label: 'Method' }, { label: 'Status' }, { label: 'Count', num: true }, { label: 'Last interval', num: true }],
          rows.map((r) => {
            const d = previous ? increase(r.count, prevErrors.get(r.key)?.count ?? 0) : undefined;
            return [r.route, r.method, badge(r.status, r.status.startsWith('5') ? 'bad' : 'warn'), fmtInt(r.count), d === undefined ? '–' : `+${fmtInt(d)}`];
          }),
        ),
  );

  previous = { at, total, errors5xx, buckets, hits, misses, errorRows };
}

function errorSeries(requests) {
  const rows = new Map();
  for (const s of requests ?? []) {
    const status = s.labels.status ?? '';
    if (!/^[45]\d\d$/.test(status)) continue;
    const key = `${s.labels.route ?? ''} ${s.labels.method ?? ''} ${status}`;
    const row = rows.get(key) ?? { key, route: s.labels.route ?? '', method: s.labels.method ?? '', status, count: 0 };
    row.count += s.value;
    rows.set(key, row);
  }
  return rows;
}

const BREAKER_TONES = { closed: 'good', open: 'bad', half_open: 'warn', 'half-open': 'warn' };

function renderBreakers(data) {
  const box = $('breakers');
  if (data === NOT_FOUND) return box.replaceChildren(muted('n/a — this server has no /metrics/circuit-breaker endpoint.'));
  if (!data || !Array.isArray(data.dependencies)) return box.replaceChildren(muted('n/a — unexpected response.'));
  if (data.dependencies.length === 0) return box.replaceChildren(muted('No dependencies reported.'));
  const rows = data.dependencies.map((d) => {
    const b = d && typeof d.breaker === 'object' && d.breaker !== null ? d.breaker : undefined;
    const state = b && typeof b.state === 'string' ? b.state : 'none';
    const details = b
      ? Object.entries(b)
          .filter(([k, v]) => k !== 'state' && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
          .slice(0, 4)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')
      : '';
    return [String(d?.name ?? '?'), badge(state.replace('_', '-'), BREAKER_TONES[state] ?? 'warn'), details];
  });
  box.replaceChildren(table('Breaker state per dependency', [{ label: 'Dependency' }, { label: 'State' }, { label: 'Details' }], rows));
}

function renderSlo(data) {
  const box = $('slo');
  if (data === NOT_FOUND) return box.replaceChildren(muted('n/a — this server has no /metrics/slo endpoint.'));
  if (!data || !Array.isArray(data.slos)) return box.replaceChildren(muted('n/a — unexpected response.'));
  if (data.slos.length === 0) return box.replaceChildren(muted('No SLOs configured.'));
  const burn = (s, w) => {
    const v = s.windows?.[w]?.burnRate;
    return typeof v === 'number' ? `${fmtBurn(v)}×` : '–';
  };
  const rows = data.slos.map((s) => {
    const remaining = s.errorBudget?.remaining;
    const cell = el('div');
    if (typeof remaining === 'number') {
      const tone = remaining < 0.25 ? 'bad' : remaining < 0.5 ? 'warn' : '';
      const fill = el('span');
      fill.style.width = `${Math.max(0, Math.min(1, remaining)) * 100}%`;
      const bar = el('div', { className: `bar ${tone}`, role: 'img', 'aria-label': `${fmtPct(remaining)} of the error budget left` }, [fill]);
      cell.append(el('span', { text: remaining > 0 ? fmtPct(remaining) : `exhausted (${fmtPct(remaining)})` }), bar);
    } else {
      cell.append('–');
    }
    const firing = (s.alerts ?? []).filter((a) => a.firing);
    const alerts = el(
      'span',
      {},
      firing.length === 0
        ? [badge('ok', 'good')]
        : firing.map((a) => badge(`${a.severity}: ${a.long}/${a.short} > ${a.threshold}×`, a.severity === 'page' ? 'bad' : 'warn')),
    );
    const label = el('span', {}, [el('strong', { text: s.name })]);
    if (s.description) label.append(el('br'), el('span', { className: 'muted', text: s.description }));
    return [label, fmtPct(s.objective), cell, burn(s, '5m'), burn(s, '1h'), burn(s, '6h'), burn(s, '3d'), alerts];
  });
  box.replaceChildren(
    table(
      `Error budget over ${data.period ?? 'the SLO period'}; burn rate 1× spends it exactly by the period's end`,
      [
        { label: 'SLO' },
        { label: 'Objective', num: true },
        { label: 'Budget left' },
        { label: 'Burn 5m', num: true },
        { label: 'Burn 1h', num: true },
        { label: 'Burn 6h', num: true },
        { label: 'Burn 3d', num: true },
        { label: 'Alerts' },
      ],
      rows,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Polling.

const missingUntil = new Map();

function fetchChecked(url) {
  return fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
}

async function getText(url) {
  const res = await fetchChecked(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

/** JSON from an endpoint that may not exist: NOT_FOUND on 404 (then asked again only after a while). */
async function getOptionalJson(url, now) {
  if ((missingUntil.get(url) ?? 0) > now) return NOT_FOUND;
  const res = await fetchChecked(url);
  if (res.status === 404) {
    missingUntil.set(url, now + MISSING_RETRY_MS);
    return NOT_FOUND;
  }
  missingUntil.delete(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

function describe(err) {
  if (err && err.name === 'TimeoutError') return `no answer within ${FETCH_TIMEOUT_MS / 1000} s`;
  return err && err.message ? err.message : String(err);
}

export function refreshIntervalFrom(search) {
  const raw = Number.parseInt(new URLSearchParams(search).get('refresh') ?? '', 10);
  if (!Number.isFinite(raw)) return DEFAULT_REFRESH_MS;
  return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, raw));
}

function start() {
  const refreshMs = refreshIntervalFrom(location.search);
  const urls = {
    metrics: new URL('metrics', location.href).href,
    breakers: new URL('metrics/circuit-breaker', location.href).href,
    slo: new URL('metrics/slo', location.href).href,
  };
  setText('refresh-interval', fmtSeconds(refreshMs));
  let lastSuccess;
  let busy = false;

  async function tick() {
    if (busy) return;
    busy = true;
    try {
      await refresh();
    } finally {
      busy = false;
    }
  }

  async function refresh() {
    const now = Date.now();
    const problems = [];
    const guard = (label, promise) =>
      promise.catch((err) => {
        problems.push(`${label}: ${describe(err)}`);
        return undefined;
      });
    const [text, breakers, slo] = await Promise.all([
      guard('/metrics', getText(urls.metrics)),
      guard('/metrics/circuit-breaker', getOptionalJson(urls.breakers, now)),
      guard('/metrics/slo', getOptionalJson(urls.slo, now)),
    ]);
    const at = performance.now();
    if (text !== undefined) {
      try {
        renderMetrics(parsePrometheus(text), at);
        lastSuccess = new Date();
      } catch (err) {
        problems.push(`/metrics: could not read the exposition (${describe(err)})`);
      }
    }
    if (breakers !== undefined) renderBreakers(breakers);
    if (slo !== undefined) renderSlo(slo);

    const banner = $('error-banner');
    const status = $('status');
    if (problems.length === 0) {
      banner.hidden = true;
      banner.replaceChildren();
      status.classList.remove('stale');
    } else {
      const since = lastSuccess ? ` Metrics shown are from ${lastSuccess.toLocaleTimeString()}.` : ' No data yet.';
      banner.replaceChildren(el('strong', { text: 'Refresh failed. ' }), document.createTextNode(`${problems.join('; ')}.${since}`));
      banner.hidden = false;
      status.classList.add('stale');
    }
    if (lastSuccess) {
      const t = $('last-updated');
      t.dateTime = lastSuccess.toISOString();
      t.textContent = lastSuccess.toLocaleTimeString();
    }
  }

  async function loop() {
    if (!document.hidden) await tick();
    setTimeout(loop, refreshMs);
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void tick();
  });
  void loop();
}

if (typeof document !== 'undefined') start();
