/**
 * What the data plane fills: per version, analysed requests, failures and a latency histogram.
 * `record` is the only per-request call in the analysis; it is O(1) and allocates nothing,
 * because it runs inside the proxy's request path.
 */
import { LATENCY_BUCKET_COUNT, latencyBucket } from './histogram.js';
import { decodeTrafficWindow, encodeTrafficWindow, type SerializedTrafficWindow } from './window-codec.js';

export type VersionName = 'stable' | 'canary';

export class VersionCounts {
  requests = 0;
  failures = 0;
  readonly latency = new Uint32Array(LATENCY_BUCKET_COUNT);

  /** One analysed request: counted once, under the version it was assigned (ANALYSIS.md, "Pitfalls"). */
  record(failed: boolean, latencyMs: number): void {
    this.requests += 1;
    if (failed) this.failures += 1;
    this.latency[latencyBucket(latencyMs)]! += 1;
  }

  reset(): void {
    this.requests = 0;
    this.failures = 0;
    this.latency.fill(0);
  }

  addFrom(other: VersionCounts): void {
    this.requests += other.requests;
    this.failures += other.failures;
    for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) this.latency[k]! += other.latency[k]!;
  }
}

export class TrafficWindow {
  readonly stable = new VersionCounts();
  readonly canary = new VersionCounts();

  reset(): void {
    this.stable.reset();
    this.canary.reset();
  }

  /** Merges another window, e.g. the same tick's windows from several worker processes. */
  addFrom(o: TrafficWindow): void {
    this.stable.addFrom(o.stable);
    this.canary.addFrom(o.canary);
  }

  isEmpty(): boolean {
    return this.stable.requests === 0 && this.canary.requests === 0;
  }

  /** Compact arrays for IPC; `JSON.stringify(window)` uses it too. */
  toJSON(): SerializedTrafficWindow {
    return encodeTrafficWindow(this);
  }

  /** Inverse of `toJSON`; throws AnalysisError('ANALYSIS_INVALID_WINDOW') on malformed input. */
  static fromJSON(data: unknown): TrafficWindow {
    return decodeTrafficWindow(data, new TrafficWindow());
  }
}
