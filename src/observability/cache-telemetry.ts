/** Cache events -> Prometheus: hits by tier and kind, misses, tier errors, evictions, stale serves. */
import type { CacheEvents, CacheKind } from '../cache/cache-events.js';
import type { Metrics } from './metrics.js';

export function cacheMetricsEvents(metrics: Metrics, onTierError: (tier: string, err: unknown) => void): CacheEvents {
  return {
    hit: (tier: string, kind: CacheKind) => metrics.cacheHits.inc({ tier, kind }),
    miss: (kind: CacheKind) => metrics.cacheMisses.inc({ kind }),
    error: (tier: string, err: unknown) => {
      metrics.cacheErrors.inc({ tier });
      onTierError(tier, err);
    },
    eviction: (tier: string, count: number) => metrics.cacheEvictions.inc({ tier }, count),
    stale: (kind: CacheKind) => metrics.cacheHits.inc({ tier: 'stale', kind }),
  };
}
