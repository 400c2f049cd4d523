/**
 * A seeded traffic simulator for the analysis tests: per-second counts, failures and latency
 * histograms for both versions, drawn from lognormal-ish latency models. Deterministic for a seed.
 */
import { LATENCY_BUCKET_COUNT, bucketUpperBoundMs, latencyBucket } from '../../../src/analysis/histogram.js';
import { StableBaseline } from '../../../src/analysis/baseline.js';
import { StepAnalysis } from '../../../src/analysis/step.js';
import type { AnalysisPolicy } from '../../../src/analysis/policy.js';
import type { StepVerdict } from '../../../src/analysis/verdict.js';
import { TrafficWindow, type VersionCounts } from '../../../src/analysis/window.js';
import { DEFAULT_ROLLOUT } from '../../../src/config/defaults.js';
import { seededRandom } from '../../../src/routing/traffic-split.js';

export function normal(rand: () => number): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Inversion for small means (multiplications only), normal approximation beyond. */
export function binomial(rand: () => number, n: number, p: number): number {
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
  const x = Math.round(mean + Math.sqrt(mean * (1 - p)) * normal(rand));
  return Math.min(n, Math.max(0, x));
}

export function poisson(rand: () => number, mean: number): number {
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

function erfc(x: number): number {
  // Numerical Recipes erfcc, fractional error < 1.2e-7: plenty for a traffic model.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
const phi = (z: number): number => 0.5 * erfc(-z / Math.SQRT2);

/** Bucket probabilities of a lognormal latency with the given median and p99 (ms). */
export function lognormalBuckets(medianMs: number, p99Ms: number): Float64Array {
  const mu = Math.log(medianMs);
  const sigma = Math.log(p99Ms / medianMs) / 2.3263478740408408;
  const probs = new Float64Array(LATENCY_BUCKET_COUNT);
  let prev = 0;
  for (let k = 0; k < LATENCY_BUCKET_COUNT - 1; k++) {
    const c = phi((Math.log(bucketUpperBoundMs(k)) - mu) / sigma);
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
export function fillVersion(rand: () => number, into: VersionCounts, meanRequests: number, failureRate: number, buckets: Float64Array): void {
  let n = 0;
  for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) {
    const c = poisson(rand, meanRequests * buckets[k]!);
    into.latency[k]! += c;
    n += c;
  }
  into.requests += n;
  into.failures += binomial(rand, n, failureRate);
}

export interface VersionModel {
  failureRate: number;
  latency: Float64Array;
}

export interface Scenario {
  /** Requests per second at time t (s). */
  rate: (t: number) => number;
  stable: (t: number) => VersionModel;
  canary: (t: number) => VersionModel;
  /** Share actually sent to canary; defaults to the step weight (a broken split differs). */
  actualShare?: number;
}

export interface RunResult {
  verdict: StepVerdict;
  /** Seconds into the step when the verdict became terminal, or the horizon. */
  atSecond: number;
}

/**
 * Plays one step: a 60 s warm-up of stable-only traffic for the baseline, then per-second
 * windows through the real analysis until a terminal verdict or `horizonS`. With `stopAtPass`
 * false a run goes on past a pass, which checks "never crosses" rather than "not before passing".
 */
export function runStep(seed: number, weightPercent: number, policy: AnalysisPolicy, scenario: Scenario, horizonS: number, stopAtPass = true): RunResult {
  const rand = seededRandom(seed);
  const baseline = new StableBaseline();
  const warm = new TrafficWindow();
  for (let t = -60; t <= 0; t++) {
    warm.reset();
    const m = scenario.stable(t);
    fillVersion(rand, warm.stable, scenario.rate(t), m.failureRate, m.latency);
    baseline.ingest(warm, t * 1000);
  }
  const step = StepAnalysis.start(weightPercent, 0, policy);
  const share = scenario.actualShare ?? weightPercent / 100;
  const w = new TrafficWindow();
  for (let t = 1; t <= horizonS; t++) {
    w.reset();
    const rate = scenario.rate(t);
    const sm = scenario.stable(t);
    const cm = scenario.canary(t);
    // Poisson arrivals split independently with probability `share`: two independent Poisson streams.
    fillVersion(rand, w.stable, rate * (1 - share), sm.failureRate, sm.latency);
    fillVersion(rand, w.canary, rate * share, cm.failureRate, cm.latency);
    // Baseline first: it then commits the previous second, so thresholds are one second fresher.
    baseline.ingest(w, t * 1000);
    step.ingest(w, t * 1000, baseline);
    const outcome = step.outcome(t * 1000);
    if ((stopAtPass && outcome === 'pass') || outcome === 'fail' || outcome === 'invalid') return { verdict: step.verdict(t * 1000), atSecond: t };
  }
  return { verdict: step.verdict(horizonS * 1000), atSecond: horizonS };
}

export const STABLE_LATENCY = lognormalBuckets(20, 120);

/** Bucket probabilities of a latency that takes each listed value (ms) with the given share. */
export function pointMassBuckets(parts: readonly (readonly [share: number, ms: number])[]): Float64Array {
  const probs = new Float64Array(LATENCY_BUCKET_COUNT);
  for (const [share, ms] of parts) probs[latencyBucket(ms)]! += share;
  return probs;
}

const { steps: _steps, ...ROLLOUT_ANALYSIS_DEFAULTS } = DEFAULT_ROLLOUT;
/** The config's rollout defaults as the analysis sees them, for the default five analysed steps. */
export const DEFAULT_POLICY: AnalysisPolicy = { ...ROLLOUT_ANALYSIS_DEFAULTS, analysedSteps: 5 };

export function healthy(ratePerS: number, failureRate = 0.001): Scenario {
  const m: VersionModel = { failureRate, latency: STABLE_LATENCY };
  return { rate: () => ratePerS, stable: () => m, canary: () => m };
}
