/**
 * The log-bucket latency layout shared by the data plane and the analysis (ANALYSIS.md, "Latency").
 * Bucket k holds latencies up to 5 ms × 1.1^k; 74 finite buckets reach about 5.3 s and bucket 74
 * is the overflow. Ten-percent-wide buckets keep relative error bounded at every scale, which is
 * what lets a latency tolerance be expressed as a whole number of buckets.
 */
import { AnalysisError } from './errors.js';

export const LATENCY_BUCKET_COUNT = 75;
export const OVERFLOW_BUCKET = LATENCY_BUCKET_COUNT - 1;
export const FIRST_BUCKET_UPPER_MS = 5;
export const BUCKET_GROWTH = 1.1;

const LOG_GROWTH = Math.log(BUCKET_GROWTH);

// The table, not the logarithm, is the definition: the float quotient below can land one bucket
// off exactly at a bound, and the correction against this table keeps `latencyBucket` and
// `bucketUpperBoundMs` consistent to the last bit.
const UPPER_BOUNDS_MS = new Float64Array(LATENCY_BUCKET_COUNT);
for (let k = 0; k < OVERFLOW_BUCKET; k++) UPPER_BOUNDS_MS[k] = FIRST_BUCKET_UPPER_MS * BUCKET_GROWTH ** k;
UPPER_BOUNDS_MS[OVERFLOW_BUCKET] = Number.POSITIVE_INFINITY;

/**
 * Bucket of a latency in ms. Hot path (once per request): one log, no allocation.
 * NaN and negative readings go to bucket 0 rather than throwing, because a request must never
 * fail over a bad clock reading; Infinity goes to the overflow bucket.
 */
export function latencyBucket(ms: number): number {
  if (!(ms > FIRST_BUCKET_UPPER_MS)) return 0;
  let k = Math.ceil(Math.log(ms / FIRST_BUCKET_UPPER_MS) / LOG_GROWTH);
  if (!(k < OVERFLOW_BUCKET)) k = OVERFLOW_BUCKET;
  if (ms <= UPPER_BOUNDS_MS[k - 1]!) k -= 1;
  else if (ms > UPPER_BOUNDS_MS[k]!) k += 1;
  return k;
}

/** Inclusive upper bound of bucket k in ms; Infinity for the overflow bucket. */
export function bucketUpperBoundMs(k: number): number {
  if (!Number.isInteger(k) || k < 0 || k > OVERFLOW_BUCKET) {
    throw new AnalysisError('ANALYSIS_BUCKET_OUT_OF_RANGE', `bucket ${String(k)}: must be an integer in 0..${OVERFLOW_BUCKET}`);
  }
  return UPPER_BOUNDS_MS[k]!;
}

/**
 * Smallest bucket whose cumulative count reaches the q-quantile, or -1 for an empty histogram.
 * A bucket index rather than a latency: thresholds compare bucket numbers, never floats.
 */
export function quantileBucket(histogram: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let k = 0; k < histogram.length; k++) total += histogram[k]!;
  if (total === 0) return -1;
  const target = q * total;
  let cumulative = 0;
  for (let k = 0; k < histogram.length; k++) {
    cumulative += histogram[k]!;
    if (cumulative >= target) return k;
  }
  return histogram.length - 1;
}

/** Requests in buckets strictly above k (all of them when k < 0, none past the overflow). */
export function countAbove(histogram: ArrayLike<number>, k: number): number {
  let sum = 0;
  for (let b = Math.max(0, k + 1); b < histogram.length; b++) sum += histogram[b]!;
  return sum;
}

/** Latency (ms) at bucket k's upper bound, for operator-facing text; "over 5.3 s" for the overflow. */
export function formatBucketBound(k: number): string {
  if (k >= OVERFLOW_BUCKET) return `over ${(UPPER_BOUNDS_MS[OVERFLOW_BUCKET - 1]! / 1000).toFixed(1)} s`;
  const ms = UPPER_BOUNDS_MS[Math.max(0, k)]!;
  return ms < 1000 ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
