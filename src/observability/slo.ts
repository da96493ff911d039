/**
 * In-process SLO tracking: each finished request is recorded once; each SLO counts its good and
 * total events in bucket rings (slo-windows.ts) and reports, per window, the error ratio and burn
 * rate, the error budget left over the SLO period, and the multi-window burn-rate alerts. It serves
 * `GET /metrics/slo` (snapshot) and the `slo_*` gauges (exportTo, on scrape).
 *
 * Burn rate = error ratio / (1 - objective): 1 spends the budget exactly over the period, 10 spends
 * a 30-day budget in 3 days. Budget remaining = 1 - error ratio over the period / (1 - objective);
 * it goes negative once overspent. With no events, both are "nothing spent" (burn 0, budget 1).
 *
 * The counts live in this process and start empty on restart; the Prometheus rules in deploy/
 * compute the same SLIs across instances from the request counters and histograms.
 */
import {
  DEFAULT_SLO_AVAILABILITY,
  DEFAULT_SLO_LATENCY_P95_MS,
  DEFAULT_SLO_LATENCY_P99_MS,
  DEFAULT_SLO_PERIOD_DAYS as DEFAULT_PERIOD_DAYS,
} from '../config/defaults.js';
import { RagdError } from '../errors/ragd-error.js';
import type { Metrics } from './metrics.js';
import { BucketRing, type Tally } from './slo-ring.js';
import {
  BURN_ALERT_PAIRS,
  BURN_WINDOWS,
  BURN_WINDOW_MS,
  DAY_MS,
  periodLabel,
  ringLayout,
  type BurnAlertPair,
} from './slo-windows.js';
import type { BurnWindow } from './metric-names.js';

/** What an SLO measures. */
export type SloIndicator =
  /** Requests on API routes that did not fail with a 5xx (4xx are the client's doing). */
  | { kind: 'availability' }
  /** Queries answered (not 5xx) within `thresholdMs`, inclusive. Failed queries count against availability only. */
  | { kind: 'latency'; thresholdMs: number };

/** One objective. */
export interface SloDefinition {
  /** The `slo` label: lowercase letters, digits and `_`, starting with a letter. */
  name: string;
  /** Fraction of events that must be good, in (0, 1), e.g. 0.999. */
  objective: number;
  indicator: SloIndicator;
  description?: string;
}

/** One finished request, as the HTTP layer sees it. */
export interface SloEvent {
  /** The route template (`/api/v1/rag/query`), or `unmatched`. */
  route: string;
  status: number;
  durationMs: number;
  /** True for `POST /api/v1/rag/query` (JSON and streamed alike). */
  isQuery: boolean;
  /** When the request finished, epoch ms; defaults to now (the tracker's clock). */
  at?: number;
}

/** Good/total over one window, with the derived ratios. */
export interface SloWindowStats extends Tally {
  /** Bad events / total; 0 with no events. */
  errorRatio: number;
  /** errorRatio / (1 - objective). */
  burnRate: number;
}

/** A burn-rate alert pair evaluated now. */
export interface SloAlertState extends BurnAlertPair {
  longBurnRate: number;
  shortBurnRate: number;
  firing: boolean;
}

/** One SLO's state, as `GET /metrics/slo` returns it. */
export interface SloStatus {
  name: string;
  description: string;
  objective: number;
  indicator: SloIndicator;
  windows: Record<BurnWindow, SloWindowStats>;
  errorBudget: SloWindowStats & {
    /** The SLO period, e.g. `30d`. */
    period: string;
    /** Fraction of the budget left; <= 0 is exhausted. */
    remaining: number;
    /** 1 - remaining. */
    consumed: number;
  };
  alerts: SloAlertState[];
}

/** The body of `GET /metrics/slo`. */
export interface SloSnapshot {
  generatedAt: string;
  period: string;
  slos: SloStatus[];
}

/** The gauges `exportTo` sets (a `Metrics` from createMetrics fits). */
export type SloGauges = Pick<Metrics, 'sloObjective' | 'sloErrorBudgetRemaining' | 'sloBurnRate'>;

export interface SloTracker {
  readonly definitions: readonly SloDefinition[];
  /** Counts one finished request against every SLO it concerns. Never throws. */
  record(event: SloEvent): void;
  snapshot(): SloSnapshot;
  /** Sets `slo_objective`, `slo_error_budget_remaining` and `slo_burn_rate{window}`; call it per scrape. */
  exportTo(metrics: SloGauges): void;
}

/** Options of {@link createSloTracker}. */
export interface SloTrackerOptions {
  /** Defaults to {@link defaultSlos}(). */
  slos?: readonly SloDefinition[];
  /** Error-budget period in days (RAGD_SLO_PERIOD_DAYS). Defaults to 30, the usual SLO month. */
  periodDays?: number;
  /** Epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
  /** Routes the availability SLO covers. Defaults to those under `/api/` (not probes, metrics or the dashboard). */
  isApiRoute?: (route: string) => boolean;
}

/** Objectives of {@link defaultSlos}. */
export interface DefaultSloTargets {
  /** Defaults to 0.999: 43 minutes of errors a month at constant traffic. */
  availability?: number;
  /** 95% of queries within this many ms. Defaults to 200. */
  p95Ms?: number;
  /** 99% of queries within this many ms. Defaults to 500. */
  p99Ms?: number;
}

/** ragd's default SLOs: `availability` 99.9%, `latency_p95` 95% <= 200 ms, `latency_p99` 99% <= 500 ms. */
export function defaultSlos(targets: DefaultSloTargets = {}): SloDefinition[] {
  const p95 = targets.p95Ms ?? DEFAULT_SLO_LATENCY_P95_MS;
  const p99 = targets.p99Ms ?? DEFAULT_SLO_LATENCY_P99_MS;
  return [
    {
      name: 'availability',
      objective: targets.availability ?? DEFAULT_SLO_AVAILABILITY,
      indicator: { kind: 'availability' },
      description: 'API requests that do not fail with a 5xx',
    },
    { name: 'latency_p95', objective: 0.95, indicator: { kind: 'latency', thresholdMs: p95 }, description: `queries answered within ${p95} ms` },
    { name: 'latency_p99', objective: 0.99, indicator: { kind: 'latency', thresholdMs: p99 }, description: `queries answered within ${p99} ms` },
  ];
}

/** Default error-budget period, days (RAGD_SLO_PERIOD_DAYS; see config/defaults.ts for why 30). */
export const DEFAULT_SLO_PERIOD_DAYS = DEFAULT_PERIOD_DAYS;

const SLO_NAME = /^[a-z][a-z0-9_]{0,63}$/;

interface Tracked {
  def: SloDefinition;
  rings: BucketRing[];
}

/**
 * Creates a tracker.
 * @throws RagdError RAGD_ERR_CONFIG for a bad name, a duplicate name, an objective outside (0, 1),
 *   a latency threshold that is not positive, or a period shorter than 1 day.
 * @example
 * const slo = createSloTracker();
 * app.addHook('onResponse', async (req, reply) => slo.record({ route: routeOf(req), status: reply.statusCode, durationMs: reply.elapsedTime, isQuery: routeOf(req) === '/api/v1/rag/query' }));
 */
export function createSloTracker(options: SloTrackerOptions = {}): SloTracker {
  const defs = [...(options.slos ?? defaultSlos())];
  const periodDays = options.periodDays ?? DEFAULT_SLO_PERIOD_DAYS;
  validate(defs, periodDays);
  const periodMs = periodDays * DAY_MS;
  const period = periodLabel(periodMs);
  const now = options.now ?? Date.now;
  const isApiRoute = options.isApiRoute ?? ((route: string) => route.startsWith('/api/'));
  const layout = ringLayout(periodMs);
  const tracked: Tracked[] = defs.map((def) => ({
    def,
    rings: layout.map((r) => new BucketRing(r.widthMs, Math.ceil(r.spanMs / r.widthMs))),
  }));

  // Events are tallied per SLO for the current bucket of the finest ring and added to every ring
  // when time moves to another bucket or a reader asks: one tally per event instead of one per ring
  // (the per-ring updates were most of what SLO tracking cost an exact-cache hit). Every ring's
  // buckets are whole multiples of the finest one, so a tally lands in the same bucket of each ring
  // as its events would have.
  const fineMs = (layout[0] as { widthMs: number }).widthMs;
  for (const r of layout) if (r.widthMs % fineMs !== 0) throw new Error(`SLO ring width ${r.widthMs} ms is not a multiple of ${fineMs} ms`);
  let pendingStart = Number.POSITIVE_INFINITY;
  let pendingEnd = Number.NEGATIVE_INFINITY;
  const pendingGood = new Float64Array(tracked.length);
  const pendingTotal = new Float64Array(tracked.length);
  const flush = (): void => {
    for (let i = 0; i < tracked.length; i++) {
      const total = pendingTotal[i] as number;
      if (total === 0) continue;
      for (const ring of (tracked[i] as Tracked).rings) ring.add(pendingStart, pendingGood[i] as number, total);
      pendingGood[i] = 0;
      pendingTotal[i] = 0;
    }
  };

  const sum = (t: Tracked, at: number, windowMs: number): Tally => {
    const ring = t.rings.find((r) => r.spanMs >= windowMs) ?? (t.rings[t.rings.length - 1] as BucketRing);
    return ring.sum(at, windowMs);
  };
  const stats = (tally: Tally, objective: number): SloWindowStats => {
    const errorRatio = tally.total === 0 ? 0 : (tally.total - tally.good) / tally.total;
    return { ...tally, errorRatio, burnRate: errorRatio / (1 - objective) };
  };
  const status = (t: Tracked, at: number): SloStatus => {
    const windows = {} as Record<BurnWindow, SloWindowStats>;
    for (const w of BURN_WINDOWS) windows[w] = stats(sum(t, at, BURN_WINDOW_MS[w]), t.def.objective);
    const budget = stats(sum(t, at, periodMs), t.def.objective);
    const remaining = 1 - budget.burnRate;
    return {
      name: t.def.name,
      description: t.def.description ?? '',
      objective: t.def.objective,
      indicator: t.def.indicator,
      windows,
      errorBudget: { ...budget, period, remaining, consumed: 1 - remaining },
      alerts: BURN_ALERT_PAIRS.map((pair) => {
        const longBurnRate = windows[pair.long].burnRate;
        const shortBurnRate = windows[pair.short].burnRate;
        return { ...pair, longBurnRate, shortBurnRate, firing: longBurnRate > pair.threshold && shortBurnRate > pair.threshold };
      }),
    };
  };

  return {
    definitions: defs,
    record(event) {
      const at = event.at ?? now();
      if (!Number.isFinite(at)) return;
      if (!(at >= pendingStart && at < pendingEnd)) {
        // Another bucket (or a clock step back): what is pending goes to the rings first.
        flush();
        pendingStart = Math.floor(at / fineMs) * fineMs;
        pendingEnd = pendingStart + fineMs;
      }
      const api = isApiRoute(event.route);
      const failed = event.status >= 500;
      for (let i = 0; i < tracked.length; i++) {
        const ind = (tracked[i] as Tracked).def.indicator;
        let good: boolean;
        if (ind.kind === 'availability') {
          if (!api) continue;
          good = !failed;
        } else {
          if (!event.isQuery || failed) continue;
          good = event.durationMs <= ind.thresholdMs;
        }
        if (good) pendingGood[i] = (pendingGood[i] as number) + 1;
        pendingTotal[i] = (pendingTotal[i] as number) + 1;
      }
    },
    snapshot() {
      flush();
      const at = now();
      return { generatedAt: new Date(at).toISOString(), period, slos: tracked.map((t) => status(t, at)) };
    },
    exportTo(metrics) {
      flush();
      const at = now();
      for (const t of tracked) {
        const s = status(t, at);
        const slo = t.def.name;
        metrics.sloObjective.set({ slo }, s.objective);
        metrics.sloErrorBudgetRemaining.set({ slo }, s.errorBudget.remaining);
        for (const window of BURN_WINDOWS) metrics.sloBurnRate.set({ slo, window }, s.windows[window].burnRate);
      }
    },
  };
}

function validate(defs: readonly SloDefinition[], periodDays: number): void {
  const bad = (message: string): never => {
    throw new RagdError('RAGD_ERR_CONFIG', message);
  };
  if (!Number.isFinite(periodDays) || periodDays < 1) bad(`SLO period must be at least 1 day; got ${periodDays}`);
  const seen = new Set<string>();
  for (const d of defs) {
    if (!SLO_NAME.test(d.name)) bad(`SLO name '${d.name}' must match ${SLO_NAME.source}`);
    if (seen.has(d.name)) bad(`SLO name '${d.name}' is used twice`);
    seen.add(d.name);
    if (!(d.objective > 0 && d.objective < 1)) bad(`SLO '${d.name}' objective must be in (0, 1); got ${d.objective}`);
    if (d.indicator.kind === 'latency' && !(d.indicator.thresholdMs > 0)) {
      bad(`SLO '${d.name}' latency threshold must be positive; got ${d.indicator.thresholdMs}`);
    }
  }
}
