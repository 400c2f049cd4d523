import type { Counter } from 'prom-client';
import type { CutoverMetrics, UpstreamFailureKind, VersionName } from './registry.js';
import type { RouteState } from '../routing/route-state.js';

const FAILURE_KINDS: readonly UpstreamFailureKind[] = ['connect', 'timeout', 'reset', 'protocol'];

/**
 * Records one (route, version)'s requests into Prometheus and into the route's
 * analysis window. Label children are resolved here, when the route table is
 * built, so the hot path is a few increments and no string work.
 */
export class VersionRecorder {
  private readonly byCode: (Counter.Internal | undefined)[] = new Array<Counter.Internal | undefined>(600);
  private readonly duration;
  private readonly failureKinds: Record<UpstreamFailureKind, Counter.Internal>;
  readonly connects: Counter.Internal;
  /** Cumulative, for the admin API; Prometheus has the same numbers by code. */
  requests = 0;
  failures = 0;

  constructor(private readonly metrics: CutoverMetrics, readonly route: string, readonly version: VersionName, private readonly state: RouteState) {
    this.duration = metrics.duration.labels(route, version);
    this.failureKinds = Object.fromEntries(FAILURE_KINDS.map((k) => [k, metrics.upstreamErrors.labels(route, version, k)])) as Record<UpstreamFailureKind, Counter.Internal>;
    this.connects = metrics.upstreamConnects.labels(route, version);
    // Expose the common codes at zero from the start, so rate() works before the first error.
    this.codeChild(200);
  }

  private codeChild(code: number): Counter.Internal {
    const idx = code >= 100 && code < 600 ? code : 0;
    let child = this.byCode[idx];
    if (!child) {
      child = this.metrics.requests.labels(this.route, this.version, String(code));
      this.byCode[idx] = child;
    }
    return child;
  }

  /**
   * One finished request. `failed` is an upstream-side failure (5xx, refused,
   * reset, timeout); `analysed` is false for requests that must stay out of the
   * experiment (forced by the override header, client aborts, retries).
   */
  record(code: number, durationMs: number, failed: boolean, analysed: boolean): void {
    this.codeChild(code).inc();
    this.requests++;
    if (failed) this.failures++;
    this.duration.observe(durationMs / 1000);
    if (analysed) this.state.window[this.version].record(failed, durationMs);
  }

  upstreamFailure(kind: UpstreamFailureKind): void {
    this.failureKinds[kind].inc();
  }

  /** An attempt that failed and was not answered by this version (retried elsewhere): analysis only. */
  recordAnalysisOnly(failed: boolean, durationMs: number): void {
    this.state.window[this.version].record(failed, durationMs);
  }
}
