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
  /**
   * Cumulative counts for the admin API, kept on the RouteState so they survive
   * reloads (each reload builds new recorders); Prometheus has the same by code.
   */
  private readonly totals: { requests: number; failures: number };
  get requests(): number { return this.totals.requests; }
  set requests(n: number) { this.totals.requests = n; }
  get failures(): number { return this.totals.failures; }
  set failures(n: number) { this.totals.failures = n; }

  constructor(private readonly metrics: CutoverMetrics, readonly route: string, readonly version: VersionName, private readonly state: RouteState) {
    this.totals = state.totals[version];
    this.duration = metrics.duration.labels(route, version);
    this.failureKinds = Object.fromEntries(FAILURE_KINDS.map((k) => [k, metrics.upstreamErrors.labels(route, version, k)])) as Record<UpstreamFailureKind, Counter.Internal>;
    this.connects = metrics.upstreamConnects.labels(route, version);
    // Expose the series at zero from the start, so rate() works before the first error.
    // labels() alone creates nothing in prom-client: only inc() does.
    this.codeChild(200).inc(0);
    for (const kind of FAILURE_KINDS) this.failureKinds[kind].inc(0);
    this.connects.inc(0);
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
    this.totals.requests++;
    if (failed) this.totals.failures++;
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
