/**
 * Counts what a scenario's answers say about the path they took: `x-cache` values, degraded
 * answers, open circuit breakers and empty result lists. Fed from `runLoad`'s `onResponse`; the
 * checks are cheap header reads and substring tests, because parsing every JSON body would make
 * the load generator, not ragd, the bottleneck.
 */

/** Running counts over a scenario's measured answers. */
export class ResponseTally {
  total = 0;
  ok = 0;
  readonly statuses = new Map<number, number>();
  /** Answers per `x-cache` value (lower-cased); `none` when the header is absent. */
  readonly cache = new Map<string, number>();
  /** Answers per `content-encoding` value; `identity` when the header is absent. */
  readonly encodings = new Map<string, number>();
  /** Answers marked degraded (`x-ragd-degraded` header or `"degraded":true`). */
  degraded = 0;
  /**
   * Answers refused or degraded because a circuit breaker was open: a RAGD_ERR_CIRCUIT_OPEN
   * problem body, or an `x-ragd-degraded` reason naming a circuit/breaker.
   */
  breakerOpen = 0;
  /** 2xx answers whose `results` list is empty. */
  emptyResults = 0;
  /** Body bytes of the 2xx answers as sent (content-length, so compressed where the answer was). */
  okBodyBytes = 0;

  /** Records one answer; pass it as `runLoad`'s `onResponse` via `tally.record.bind(tally)` or `(s, h, b) => tally.record(s, h, b)`. */
  record(status: number, headers: Readonly<Record<string, string>>, body: string): void {
    this.total++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const ok = status >= 200 && status < 300;
    if (ok) {
      this.ok++;
      const length = Number(headers['content-length']);
      this.okBodyBytes += Number.isFinite(length) ? length : Buffer.byteLength(body);
    }
    const cache = headers['x-cache']?.toLowerCase() ?? 'none';
    this.cache.set(cache, (this.cache.get(cache) ?? 0) + 1);
    const encoding = headers['content-encoding'] ?? 'identity';
    this.encodings.set(encoding, (this.encodings.get(encoding) ?? 0) + 1);
    const degradedReasons = headers['x-ragd-degraded'];
    if (degradedReasons !== undefined || body.includes('"degraded":true')) this.degraded++;
    if (body.includes('RAGD_ERR_CIRCUIT_OPEN') || (degradedReasons !== undefined && /circuit|breaker/i.test(degradedReasons))) {
      this.breakerOpen++;
    }
    if (ok && body.includes('"results":[]')) this.emptyResults++;
  }

  /** Share (0..1) of answers whose `x-cache` is one of `values`; 0 before any answer. */
  cacheRatio(...values: string[]): number {
    let n = 0;
    for (const v of values) n += this.cache.get(v) ?? 0;
    return this.ratio(n);
  }

  /** Mean body size of the 2xx answers in bytes (as sent), rounded; 0 before any. */
  meanOkBodyBytes(): number {
    return this.ok === 0 ? 0 : Math.round(this.okBodyBytes / this.ok);
  }

  /** `count / total`, 0 before any answer. */
  ratio(count: number): number {
    return this.total === 0 ? 0 : count / this.total;
  }

  /** Metrics every scenario reports to thresholds: breaker_open_rate, degraded_rate and x-cache shares. */
  metrics(): Record<string, number> {
    return {
      breaker_open_rate: this.ratio(this.breakerOpen),
      degraded_rate: this.ratio(this.degraded),
      exact_hit_ratio: this.cacheRatio('exact'),
      semantic_hit_ratio: this.cacheRatio('semantic'),
      stale_ratio: this.cacheRatio('stale'),
    };
  }

  /** Counts as plain JSON, for reports. */
  toJSON(): {
    total: number;
    ok: number;
    statuses: Record<string, number>;
    cache: Record<string, number>;
    degraded: number;
    breakerOpen: number;
    emptyResults: number;
    meanOkBodyBytes: number;
  } {
    return {
      total: this.total,
      ok: this.ok,
      statuses: Object.fromEntries([...this.statuses].map(([k, v]) => [String(k), v])),
      cache: Object.fromEntries(this.cache),
      degraded: this.degraded,
      breakerOpen: this.breakerOpen,
      emptyResults: this.emptyResults,
      meanOkBodyBytes: this.meanOkBodyBytes(),
    };
  }
}
