/**
 * Where "(1 + tolerance) × stable's q-quantile" falls on the histogram, read from the past ring
 * (issue 15, item 4). The advance test compares the canary's rate above a bucket bound B with
 * stable's rate above B / (1 + tolerance), both in the same seconds:
 *
 * - B is the bucket bound nearest (1 + tolerance)·q_b, q_b stable's q-quantile interpolated
 *   inside its bucket (geometrically: the buckets are 10 % wide in log scale) from the ring;
 * - B / (1 + tolerance) lies inside a stable bucket in general; stable requests in that bucket
 *   count for the share of it above the point (log-uniform within the bucket), so the tolerance
 *   is exactly the configured one rather than a whole number of 10 % buckets.
 *
 * That second form is used only when the ring puts its level within a factor LEVEL_AGREEMENT of 1 − q;
 * otherwise the stable side is stable's interpolated q-quantile itself (level exactly 1 − q in the
 * ring, tolerance rounded to the nearest bound). Either way the level of the comparison is ≈ 1 − q as the user asked,
 * not stable's rate above the whole bucket holding q_b (0.29 % instead of 1 % at p99 on a 10–14 ms
 * service), which is what made the old advance side certify a higher quantile and take thousands
 * of requests. Everything ≤ 5 ms is bucket 0, where the histogram has no resolution: a quantile
 * there is taken as 5 ms.
 */
import { FIRST_BUCKET_UPPER_MS, LATENCY_BUCKET_COUNT, OVERFLOW_BUCKET, bucketUpperBoundMs } from './histogram.js';

const LOG_GROWTH = Math.log(1.1);

export interface QuantileThreshold {
  /** Bucket holding stable's q-quantile in the ring; -1 when the ring is empty. */
  quantileBucket: number;
  /** Interpolated stable q-quantile, ms (5 ms when it falls in bucket 0: the histogram's floor). */
  quantileMs: number;
  /**
   * Canary event: latency bucket > eventBucket, i.e. slower than B = bucketUpperBoundMs(eventBucket).
   * -1 when there is no usable threshold (empty ring, or stable's quantile in the overflow bucket).
   */
  eventBucket: number;
  /** Stable event: bucket > stableBucket, plus `stableFractionAbove` of each request in stableBucket. */
  stableBucket: number;
  stableFractionAbove: number;
  /** The ring's shares: above eventBucket, above stableBucket, in stableBucket (the Kelly bet's prediction). */
  pastAboveEvent: number;
  pastAboveStable: number;
  pastInStable: number;
}

export function emptyThreshold(): QuantileThreshold {
  return { quantileBucket: -1, quantileMs: Number.NaN, eventBucket: -1, stableBucket: -1, stableFractionAbove: 0, pastAboveEvent: 0, pastAboveStable: 0, pastInStable: 0 };
}

/** Position of `ms` on the bucket scale: bound k is at k (5 ms × 1.1^k); ≤ 0 inside bucket 0. */
function position(ms: number): number {
  return Math.log(ms / FIRST_BUCKET_UPPER_MS) / LOG_GROWTH;
}

/** How far (as a factor) the exact-tolerance level may sit from 1 − q in the ring and still be used. */
export const LEVEL_AGREEMENT = 1.2;

function setStableSide(into: QuantileThreshold, bucket: number, fractionAbove: number, above: number, inBucket: number): void {
  into.stableBucket = bucket;
  into.stableFractionAbove = fractionAbove;
  into.pastAboveStable = above;
  into.pastInStable = inBucket;
}

function shareAbove(histogram: ArrayLike<number>, k: number, total: number): number {
  let above = 0;
  for (let b = k + 1; b < LATENCY_BUCKET_COUNT; b++) above += histogram[b]!;
  return above / total;
}

/** Fills `into` from a histogram of past stable requests; allocation-free. */
export function quantileThreshold(histogram: ArrayLike<number>, q: number, tolerance: number, into: QuantileThreshold): QuantileThreshold {
  let total = 0;
  for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) total += histogram[k]!;
  into.quantileBucket = -1;
  into.eventBucket = -1;
  into.stableBucket = -1;
  if (total === 0) return into;
  const target = q * total;
  let below = 0;
  let k = 0;
  while (k < OVERFLOW_BUCKET && below + histogram[k]! < target) below += histogram[k++]!;
  into.quantileBucket = k;
  if (k >= OVERFLOW_BUCKET) return into;
  const inBucket = histogram[k]!;
  // Share of bucket k below the quantile; inBucket > 0 since the cumulative count reached q·total in it.
  const within = Math.min(1, Math.max(0, (target - below) / inBucket));
  into.quantileMs = k === 0 ? FIRST_BUCKET_UPPER_MS : bucketUpperBoundMs(k - 1) * Math.exp(within * LOG_GROWTH);
  const margin = Math.log1p(tolerance) / LOG_GROWTH;
  // Never at or below stable's own quantile bucket, whatever the rounding of a small tolerance.
  const j = Math.min(OVERFLOW_BUCKET - 1, Math.max(k, Math.round(position(into.quantileMs) + margin)));
  into.eventBucket = j;
  into.pastAboveEvent = shareAbove(histogram, j, total);
  // Exact tolerance: stable's rate above B/(1 + tolerance), interpolated in its bucket. Kept only when
  // the ring confirms that level is ≈ 1 − q; a hard edge inside a bucket (nothing past 14 ms on a
  // 10–14 ms service) breaks the in-bucket interpolation, and the level would then be 0 or far off.
  const s = j - margin;
  const level = 1 - q;
  if (s > 0) {
    const b = Math.ceil(s);
    const f = b - s;
    const above = shareAbove(histogram, b, total);
    const inB = histogram[b]! / total;
    const ringLevel = above + f * inB;
    if (ringLevel >= level / LEVEL_AGREEMENT && ringLevel <= level * LEVEL_AGREEMENT) {
      setStableSide(into, b, f, above, inB);
      return into;
    }
  }
  // Exact level: stable's rate above its interpolated q-quantile, 1 − q in the ring by construction;
  // the tolerance is then B / q_b, the configured one rounded to the nearest 10 % bucket bound.
  setStableSide(into, k, 1 - within, shareAbove(histogram, k, total), inBucket / total);
  return into;
}
