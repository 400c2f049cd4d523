/**
 * A trailing 60 s ring of per-second *stable* latency histograms, spanning steps. It only sets
 * the thresholds of the latency tests ("is this request slower than stable's p99?"). Thresholds
 * come from completed seconds only: a threshold must be fixed before the requests it classifies,
 * or the e-process loses its guarantee (ANALYSIS.md, "Latency").
 */
import { requireFiniteTime } from './errors.js';
import { LATENCY_BUCKET_COUNT, quantileBucket } from './histogram.js';
import { emptyThreshold, quantileThreshold, type QuantileThreshold } from './quantile-threshold.js';
import type { TrafficWindow } from './window.js';

export const BASELINE_SECONDS = 60;
const MS_PER_SECOND = 1000;

export class StableBaseline {
  private readonly ring: Uint32Array[] = [];
  private readonly ringSecond = new Float64Array(BASELINE_SECONDS).fill(Number.NaN);
  /** Sum of the ring, kept incrementally so a quantile costs one pass over 75 buckets. */
  private readonly total = new Float64Array(LATENCY_BUCKET_COUNT);
  private readonly current = new Uint32Array(LATENCY_BUCKET_COUNT);
  private currentSecond = Number.NaN;
  private readonly cache = new Map<number, number>();
  /** Keyed by quantile then tolerance; refilled in place after each committed second. */
  private readonly thresholds = new Map<number, Map<number, { second: number; value: QuantileThreshold }>>();
  private commits = 0;

  constructor() {
    for (let i = 0; i < BASELINE_SECONDS; i++) this.ring.push(new Uint32Array(LATENCY_BUCKET_COUNT));
  }

  /** Adds a drained window's stable histogram to the second it was drained in. */
  ingest(window: TrafficWindow, nowMs: number): void {
    requireFiniteTime('baseline.ingest nowMs', nowMs);
    this.advanceTo(Math.floor(nowMs / MS_PER_SECOND));
    const latency = window.stable.latency;
    for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) this.current[k]! += latency[k]!;
  }

  /**
   * Bucket of stable's q-quantile over the completed seconds of the last minute, or -1 when
   * there is no past stable traffic yet (latency tests then skip those requests).
   */
  quantileBucket(q: number): number {
    let k = this.cache.get(q);
    if (k === undefined) {
      k = quantileBucket(this.total, q);
      this.cache.set(q, k);
    }
    return k;
  }

  /**
   * Where (1 + tolerance) × stable's interpolated q-quantile falls, over the completed seconds of
   * the last minute (`quantileThreshold`). The object is reused: read it before the next ingest.
   */
  quantileThreshold(q: number, tolerance: number): QuantileThreshold {
    let byTolerance = this.thresholds.get(q);
    if (byTolerance === undefined) {
      byTolerance = new Map();
      this.thresholds.set(q, byTolerance);
    }
    let entry = byTolerance.get(tolerance);
    if (entry === undefined) {
      entry = { second: -1, value: emptyThreshold() };
      byTolerance.set(tolerance, entry);
    }
    if (entry.second !== this.commits) {
      quantileThreshold(this.total, q, tolerance, entry.value);
      entry.second = this.commits;
    }
    return entry.value;
  }

  /** Stable requests in the completed seconds of the ring. */
  pastRequests(): number {
    let n = 0;
    for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) n += this.total[k]!;
    return n;
  }

  private advanceTo(second: number): void {
    if (Number.isNaN(this.currentSecond)) {
      this.currentSecond = second;
      return;
    }
    // A clock step backwards keeps filling the current second rather than rewriting the past.
    if (second <= this.currentSecond) return;
    this.commit(this.currentSecond);
    this.currentSecond = second;
    this.evictBefore(second - BASELINE_SECONDS);
  }

  private commit(second: number): void {
    const slot = ((second % BASELINE_SECONDS) + BASELINE_SECONDS) % BASELINE_SECONDS;
    this.evictSlot(slot);
    const target = this.ring[slot]!;
    target.set(this.current);
    for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) this.total[k]! += target[k]!;
    this.ringSecond[slot] = second;
    this.current.fill(0);
    this.cache.clear();
    this.commits++;
  }

  private evictBefore(oldestKept: number): void {
    for (let slot = 0; slot < BASELINE_SECONDS; slot++) {
      if (this.ringSecond[slot]! < oldestKept) this.evictSlot(slot);
    }
  }

  private evictSlot(slot: number): void {
    if (Number.isNaN(this.ringSecond[slot]!)) return;
    const old = this.ring[slot]!;
    for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) this.total[k]! -= old[k]!;
    old.fill(0);
    this.ringSecond[slot] = Number.NaN;
    this.cache.clear();
    this.commits++;
  }
}
