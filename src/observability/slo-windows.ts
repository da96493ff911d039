/**
 * The time windows SLOs are tracked over, and the bucket rings behind them.
 *
 * Rings (per SLO; every event is counted once in each):
 * - 10 s x 720 = 2 h, for 5m, 30m, 1h and 2h. A window sum is off by at most one bucket at its
 *   trailing edge: 10 s is 3.3% of the shortest (5m) window, so a page fires within seconds.
 * - 5 min x 864 = 3 d, for 6h, 1d and 3d: at most 1.4% of 6h.
 * - 1 h x (period / 1 h) = 30 d by default, for the error budget: at most 0.14% of 30d.
 * That is 2,304 buckets (55 KB) per SLO for 30 days. One ring of 10 s buckets for 30 days would be
 * 259,200 buckets (6 MB) and cost a 259k-slot sum per scrape; one ring of 5-min buckets would make
 * the 5m burn rate a single, mostly partial bucket.
 */
import { BURN_WINDOWS, type BurnWindow } from './metric-names.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Length of each burn-rate window, ms. */
export const BURN_WINDOW_MS: Readonly<Record<BurnWindow, number>> = {
  '5m': 5 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '6h': 6 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
};

/** One ring: bucket width and how far back it reaches. */
export interface RingSpec {
  widthMs: number;
  spanMs: number;
}

/** The rings for an SLO period (see the module comment). The last one always covers the period. */
export function ringLayout(periodMs: number): RingSpec[] {
  return [
    { widthMs: 10 * SECOND, spanMs: 2 * HOUR },
    { widthMs: 5 * MINUTE, spanMs: 3 * DAY },
    { widthMs: HOUR, spanMs: Math.max(periodMs, HOUR) },
  ];
}

/**
 * A multi-window, multi-burn-rate alert (Google SRE Workbook, "Alerting on SLOs", table 5-8): it
 * fires when both windows burn faster than `threshold`. The long window proves the burn is
 * significant, the short one that it is still going on. Thresholds assume a 30-day budget.
 */
export interface BurnAlertPair {
  long: BurnWindow;
  short: BurnWindow;
  /** Burn rate both windows must exceed. 14.4 spends 2% of a 30-day budget in one hour. */
  threshold: number;
  severity: 'page' | 'ticket';
}

/** The four pairs: 1h/5m and 6h/30m page, 1d/2h and 3d/6h open a ticket. */
export const BURN_ALERT_PAIRS: readonly BurnAlertPair[] = [
  { long: '1h', short: '5m', threshold: 14.4, severity: 'page' },
  { long: '6h', short: '30m', threshold: 6, severity: 'page' },
  { long: '1d', short: '2h', threshold: 3, severity: 'ticket' },
  { long: '3d', short: '6h', threshold: 1, severity: 'ticket' },
];

/** Every burn window, in order (re-exported so SLO callers need only this module). */
export { BURN_WINDOWS };

/** `30d` for 30 days; hours when the period is not a whole number of days. */
export function periodLabel(periodMs: number): string {
  return periodMs % DAY === 0 ? `${periodMs / DAY}d` : `${Math.round(periodMs / HOUR)}h`;
}

/** Milliseconds in one day. */
export const DAY_MS = DAY;
