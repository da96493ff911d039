/**
 * prom-client counters and histograms whose label sets are resolved once, not on every update.
 *
 * Why not prom-client's own path: `inc(labels)` and `observe(labels, v)` rebuild a string key
 * from the label object, check every label name and look the series up on every call, and
 * `histogram.labels(...)` children still do all of that per observation (prom-client 15.1). On the
 * request path that was ~0.5-1 µs per update, several updates per request. Here `series(labels)`
 * returns the series' cell once (callers keep it, see label-guard.ts) and an update is a few
 * arithmetic operations on it. The metric stays a prom-client Metric registered in its Registry:
 * only `get()` (and `getForPromString()`) are overridden to read the cells, in exactly the shape
 * prom-client's own produce, so the exposition text is unchanged.
 *
 * Update these metrics only through `series(...)`: prom-client's own `inc`/`observe`/`labels` on
 * them write to storage that is not exported. No `collect` callback, exemplars or aggregator choice.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/** Label values of one series, in the metric's label-name order. */
export type SeriesLabels = Record<string, string>;

/** One counter series. `value` must be finite and >= 0 (the caller checks). */
export interface CounterSeries {
  inc(value: number): void;
}

/** One histogram series. `value` must be finite (the caller checks). */
export interface HistogramSeries {
  observe(value: number): void;
}

/** What both metric kinds are built from. */
export interface SeriesMetricConfig {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

/** prom-client's exported shape of one metric (`get()`), which its Registry formats. */
interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: object[];
  aggregator: 'sum';
}

/** Separates label values in a series key; cannot occur in an accepted label value. */
const KEY_SEPARATOR = '\u0000';

function seriesKey(names: readonly string[], labels: SeriesLabels): string {
  let key = '';
  for (const name of names) key += `${labels[name] ?? ''}${KEY_SEPARATOR}`;
  return key;
}

class CounterCell implements CounterSeries {
  value = 0;
  /** False until the first update (and again after a reset): unseen series are not exported, as in prom-client. */
  seen = false;
  constructor(readonly labels: SeriesLabels) {}

  inc(value: number): void {
    this.value += value;
    this.seen = true;
  }
}

class HistogramCell implements HistogramSeries {
  /** Observations per bucket (not cumulative); values above the last bound only count in +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  seen = false;
  constructor(
    readonly labels: SeriesLabels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    // Inclusive upper bounds (`le`), as prom-client and Prometheus define them.
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
    this.seen = true;
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.seen = false;
  }
}

/** A prom-client Counter updated through {@link SeriesCounter.series}. */
export class SeriesCounter extends Counter {
  private readonly cells = new Map<string, CounterCell>();
  private readonly config: SeriesMetricConfig;

  constructor(config: SeriesMetricConfig) {
    super({ ...config, labelNames: [...config.labelNames] });
    this.config = config;
    // prom-client exports an unlabelled counter at 0 from the start; so does this one.
    if (config.labelNames.length === 0) this.series({}).inc(0);
  }

  /** The series of `labels` (validated by the caller), created on first use. */
  series(labels: SeriesLabels): CounterSeries {
    const key = seriesKey(this.config.labelNames, labels);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = new CounterCell(labels);
      this.cells.set(key, cell);
    }
    return cell;
  }

  override get(): ReturnType<Counter['get']> {
    const values: object[] = [];
    for (const cell of this.cells.values()) {
      if (cell.seen) values.push({ value: cell.value, labels: cell.labels });
    }
    const exported: Exported = { help: this.config.help, name: this.config.name, type: 'counter', values, aggregator: 'sum' };
    return Promise.resolve(exported as unknown as Awaited<ReturnType<Counter['get']>>);
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset before `cells` exists. Cells are kept (callers hold
    // them) but zeroed and hidden until updated again, as prom-client drops reset series.
    const cells = this.cells as Map<string, CounterCell> | undefined;
    if (cells === undefined) return;
    for (const cell of cells.values()) {
      cell.value = 0;
      cell.seen = false;
    }
    if (this.config.labelNames.length === 0) this.series({}).inc(0);
  }
}

/** A prom-client Histogram updated through {@link SeriesHistogram.series}. */
export class SeriesHistogram extends Histogram {
  private readonly cells = new Map<string, HistogramCell>();
  private readonly config: SeriesMetricConfig & { buckets: readonly number[] };

  constructor(config: SeriesMetricConfig & { buckets: readonly number[] }) {
    super({ ...config, labelNames: [...config.labelNames], buckets: [...config.buckets] });
    this.config = config;
    // prom-client exports an unlabelled histogram (all zero) from the start; so does this one.
    if (config.labelNames.length === 0) (this.series({}) as HistogramCell).seen = true;
  }

  /** The series of `labels` (validated by the caller), created on first use. */
  series(labels: SeriesLabels): HistogramSeries {
    const key = seriesKey(this.config.labelNames, labels);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = new HistogramCell(labels, this.config.buckets);
      this.cells.set(key, cell);
    }
    return cell;
  }

  /**
   * What prom-client's Registry reads for the text exposition (prom-client's histogram defines the
   * same method): its values, names and label layout, `le` first and the series' labels as
   * `sharedLabels`. prom-client's `get()` builds the JSON form from it.
   */
  getForPromString(): Promise<Exported> {
    const { name, help, buckets } = this.config;
    const bucket = `${name}_bucket`;
    const values: object[] = [];
    // prom-client gives buckets `exemplar: null` and sum/count `exemplar: undefined`; kept so get() is identical too.
    const pair = (labels: object, value: number, metricName: string, sharedLabels: SeriesLabels, exemplar: null | undefined) => ({
      labels,
      sharedLabels,
      value,
      metricName,
      exemplar,
    });
    for (const cell of this.cells.values()) {
      if (!cell.seen) continue;
      let cumulative = 0;
      for (let i = 0; i < buckets.length; i++) {
        cumulative += cell.counts[i] as number;
        values.push(pair({ le: buckets[i] }, cumulative, bucket, cell.labels, null));
      }
      values.push(pair({ le: '+Inf' }, cell.count, bucket, cell.labels, null));
      values.push(pair({}, cell.sum, `${name}_sum`, cell.labels, undefined));
      values.push(pair({}, cell.count, `${name}_count`, cell.labels, undefined));
    }
    return Promise.resolve({ name, help, type: 'histogram', values, aggregator: 'sum' });
  }

  override reset(): void {
    super.reset();
    const cells = this.cells as Map<string, HistogramCell> | undefined;
    if (cells === undefined) return;
    // Unlike a counter, prom-client's reset histogram exports nothing until observed again, labelled or not.
    for (const cell of cells.values()) cell.clear();
  }
}
