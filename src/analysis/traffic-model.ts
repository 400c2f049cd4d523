/**
 * A seeded traffic model for simulations: per-second request counts, failures and latency
 * histograms. Not used by the proxy; it lives here, pure like the rest of analysis/, so the unit
 * tests and bench/analysis draw from one model and the bench can import it from dist/.
 * Randomness is a parameter; the same seed gives the same traffic.
 */
import { LATENCY_BUCKET_COUNT, bucketUpperBoundMs } from './histogram.js';
import type { VersionCounts } from './window.js';

export type Random = () => number;

/** A standard normal draw (Box–Muller); 1 − rand() avoids log(0). */
export function normal(rand: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

// Inversion (multiplications only) below a mean of 30, normal approximation above: exact where
// counts are small (the tails that decide latency tests), fast where they are large.
export function poisson(rand: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    let pk = Math.exp(-mean);
    let cdf = pk;
    const u = rand();
    let k = 0;
    while (u > cdf && k < 200) {
      k++;
      pk *= mean / k;
      cdf += pk;
    }
    return k;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rand)));
}

/** Inversion for small means (multiplications only), normal approximation beyond. */
export function binomial(rand: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rand, n, 1 - p);
  const mean = n * p;
  if (mean < 30) {
    const ratio = p / (1 - p);
    let pk = Math.exp(n * Math.log1p(-p));
    let cdf = pk;
    const u = rand();
    let k = 0;
    while (u > cdf && k < n) {
      pk *= (ratio * (n - k)) / (k + 1);
      k++;
      cdf += pk;
    }
    return k;
  }
  return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(mean * (1 - p)) * normal(rand))));
}

function erfc(x: number): number {
  // Numerical Recipes erfcc, fractional error < 1.2e-7: plenty for a traffic model.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Bucket probabilities of a lognormal latency with the given median and p99 (ms). */
export function lognormalBuckets(medianMs: number, p99Ms: number): Float64Array {
  const mu = Math.log(medianMs);
  const sigma = Math.log(p99Ms / medianMs) / 2.3263478740408408;
  const probs = new Float64Array(LATENCY_BUCKET_COUNT);
  let prev = 0;
  for (let k = 0; k < LATENCY_BUCKET_COUNT - 1; k++) {
    const c = 0.5 * erfc(-(Math.log(bucketUpperBoundMs(k)) - mu) / sigma / Math.SQRT2);
    probs[k] = c - prev;
    prev = c;
  }
  probs[LATENCY_BUCKET_COUNT - 1] = 1 - prev;
  return probs;
}

/**
 * Adds one second of a version's traffic with Poisson(meanRequests) requests. By Poisson thinning
 * the bucket counts are independent Poisson(mean·p_k), which is exact and cheaper than a multinomial.
 */
export function fillVersion(rand: Random, into: VersionCounts, meanRequests: number, failureRate: number, buckets: Float64Array): void {
  let n = 0;
  for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) {
    const c = poisson(rand, meanRequests * buckets[k]!);
    into.latency[k]! += c;
    n += c;
  }
  into.requests += n;
  into.failures += binomial(rand, n, failureRate);
}
