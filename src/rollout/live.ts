/**
 * The "live" numbers of a route for the API, the dashboard and `cutover status`: request rate,
 * error rate and latency quantiles over the last 10 s, from the same drained windows that feed
 * the analysis (so they count analysed requests only). A ring of one-second slots keeps it O(1)
 * per tick.
 */
import { LATENCY_BUCKET_COUNT, OVERFLOW_BUCKET, TrafficWindow, bucketUpperBoundMs, type VersionCounts } from '../analysis/index.js';

export interface Live {
  rps: number;
  errorRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

export const LIVE_SPAN_SECONDS = 10;
const SLOTS = LIVE_SPAN_SECONDS + 1;

export class LiveStats {
  private readonly slots: TrafficWindow[] = [];
  private readonly slotSecond = new Float64Array(SLOTS).fill(Number.NaN);
  private firstMs = Number.NaN;
  private readonly merged = new TrafficWindow();

  constructor() {
    for (let i = 0; i < SLOTS; i++) this.slots.push(new TrafficWindow());
  }

  /** Adds a window drained at `nowMs` (monotonic). */
  add(window: TrafficWindow, nowMs: number): void {
    if (Number.isNaN(this.firstMs)) this.firstMs = nowMs;
    const second = Math.floor(nowMs / 1000);
    const i = second % SLOTS;
    if (this.slotSecond[i] !== second) {
      this.slots[i]!.reset();
      this.slotSecond[i] = second;
    }
    this.slots[i]!.addFrom(window);
  }

  summary(nowMs: number): { stable: Live; canary: Live } {
    const now = Math.floor(nowMs / 1000);
    this.merged.reset();
    for (let i = 0; i < SLOTS; i++) {
      const s = this.slotSecond[i]!;
      // The current second is partial: take the last 10 full seconds plus it, divide by the span covered.
      if (s > now - SLOTS && s <= now) this.merged.addFrom(this.slots[i]!);
    }
    const covered = Number.isNaN(this.firstMs) ? 0 : Math.min(LIVE_SPAN_SECONDS + (nowMs % 1000) / 1000, (nowMs - this.firstMs) / 1000);
    const span = Math.max(covered, 1);
    return { stable: live(this.merged.stable, span), canary: live(this.merged.canary, span) };
  }
}

function live(counts: VersionCounts, spanSeconds: number): Live {
  return {
    rps: round(counts.requests / spanSeconds, 1),
    errorRate: counts.requests > 0 ? counts.failures / counts.requests : 0,
    p50Ms: quantileMs(counts.latency, counts.requests, 0.5),
    p90Ms: quantileMs(counts.latency, counts.requests, 0.9),
    p99Ms: quantileMs(counts.latency, counts.requests, 0.99),
  };
}

/** Linear interpolation inside the quantile's bucket; the overflow bucket reports its lower bound. */
export function quantileMs(histogram: ArrayLike<number>, total: number, q: number): number {
  if (total === 0) return 0;
  const target = q * total;
  let cumulative = 0;
  for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) {
    const n = histogram[k]!;
    if (n > 0 && cumulative + n >= target) {
      const lower = k === 0 ? 0 : bucketUpperBoundMs(k - 1);
      if (k === OVERFLOW_BUCKET) return round(lower, 1);
      const upper = bucketUpperBoundMs(k);
      return round(lower + ((target - cumulative) / n) * (upper - lower), 1);
    }
    cumulative += n;
  }
  return 0;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
