import type { Counter } from 'prom-client';
import type { PendingSeries } from './pending.js';
import type { CutoverMetrics, UpstreamFailureKind, VersionName } from './registry.js';
import type { RouteState } from '../routing/route-state.js';

const FAILURE_KINDS: readonly UpstreamFailureKind[] = ['connect', 'timeout', 'reset', 'protocol'];

/**
 * Records one (route, version)'s requests into Prometheus and into the route's
 * analysis window. Label children are resolved here, when the route table is
 * built; requests and durations are counted in the series' plain arrays and
 * folded into prom-client at scrape time (pending.ts), so the hot path is a few
 * increments and no string work.
 */
export class VersionRecorder {
  private readonly duration;
  private readonly pending: PendingSeries;
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
    this.pending = metrics.series(route, version);
    this.duration = metrics.duration.labels(route, version);
    this.failureKinds = Object.fromEntries(FAILURE_KINDS.map((k) => [k, metrics.upstreamErrors.labels(route, version, k)])) as Record<UpstreamFailureKind, Counter.Internal>;
    this.connects = metrics.upstreamConnects.labels(route, version);
    // Expose the series at zero from the start, so rate() works before the first error.
    // labels() alone creates nothing in prom-client: only inc() does.
    this.metrics.requests.inc({ route, version, code: '200' }, 0);
    this.pending.markCode(200);
    for (const kind of FAILURE_KINDS) this.failureKinds[kind].inc(0);
    this.connects.inc(0);
  }

  /** A code's first request (which creates its series, in first-seen order, as before) or an out-of-range code. */
  private countDirectly(code: number): void {
    this.metrics.requests.inc({ route: this.route, version: this.version, code: String(code) });
    if (code >= 100 && code < 600) this.pending.markCode(code);
  }

  /**
   * One finished request. `failed` is an upstream-side failure (5xx, refused,
   * reset, timeout); `analysed` is false for requests that must stay out of the
   * experiment (forced by the override header, client aborts, retries).
   */
  record(code: number, durationMs: number, failed: boolean, analysed: boolean): void {
    const pending = this.pending;
    if (code >= 100 && code < 600 && pending.codeExists[code] === 1) pending.codes[code]! += 1;
    else this.countDirectly(code);
    this.totals.requests++;
    if (failed) this.totals.failures++;
    const seconds = durationMs / 1000;
    // The first observation creates the histogram series; a non-finite one must throw as prom-client's does.
    if (pending.observed && Number.isFinite(seconds)) pending.observe(seconds);
    else {
      this.duration.observe(seconds);
      pending.observed = true;
    }
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
