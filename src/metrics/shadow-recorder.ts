import type { Counter } from 'prom-client';
import type { ShadowResult } from '../analysis/shadow-window.js';
import type { RouteState } from '../routing/route-state.js';
import type { CutoverMetrics } from './registry.js';

const RESULTS: readonly ShadowResult[] = ['match', 'mismatch', 'error', 'dropped'];

/**
 * Records one route's shadow pairs into `cutover_shadow_requests_total` and into the route's
 * shadow window. Label children are resolved when the route table is built, as VersionRecorder does.
 */
export class ShadowRecorder {
  private readonly counters: Record<ShadowResult, Counter.Internal>;

  constructor(metrics: CutoverMetrics, route: string, private readonly state: RouteState) {
    this.counters = Object.fromEntries(RESULTS.map((r) => [r, metrics.shadowRequests.labels(route, r)])) as Record<ShadowResult, Counter.Internal>;
    // Series exist at zero from the start, so rate() and the mismatch ratio work before the first mirror.
    for (const r of RESULTS) this.counters[r].inc(0);
  }

  pair(result: 'match' | 'mismatch' | 'error', canaryFailed: boolean, stableFailed: boolean, canaryMs: number, stableMs: number): void {
    this.counters[result].inc();
    this.state.shadowWindow?.recordPair(result, canaryFailed, stableFailed, canaryMs, stableMs);
  }

  dropped(): void {
    this.counters.dropped.inc();
    this.state.shadowWindow?.recordDropped();
  }
}
