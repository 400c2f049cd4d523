/**
 * A seeded traffic simulator for the analysis tests: per-second counts, failures and latency
 * histograms for both versions, drawn from lognormal-ish latency models. Deterministic for a seed.
 */
import { LATENCY_BUCKET_COUNT, bucketUpperBoundMs, latencyBucket } from '../../../src/analysis/histogram.js';
import { fillVersion, lognormalBuckets } from '../../../src/analysis/traffic-model.js';
import { StableBaseline } from '../../../src/analysis/baseline.js';
import { StepAnalysis } from '../../../src/analysis/step.js';
import type { AnalysisPolicy } from '../../../src/analysis/policy.js';
import type { StepVerdict } from '../../../src/analysis/verdict.js';
import { TrafficWindow } from '../../../src/analysis/window.js';
import { DEFAULT_ROLLOUT } from '../../../src/config/defaults.js';
import { seededRandom } from '../../../src/routing/traffic-split.js';

// The traffic model itself is shared with bench/analysis (src/analysis/traffic-model.ts).
export { binomial, fillVersion, lognormalBuckets, normal, poisson } from '../../../src/analysis/traffic-model.js';

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

/** Bucket probabilities of a latency uniform on [loMs, hiMs]. */
export function uniformBuckets(loMs: number, hiMs: number): Float64Array {
  const probs = new Float64Array(LATENCY_BUCKET_COUNT);
  for (let k = 0; k < LATENCY_BUCKET_COUNT - 1; k++) {
    const top = Math.min(hiMs, bucketUpperBoundMs(k));
    const bottom = Math.max(loMs, k === 0 ? 0 : bucketUpperBoundMs(k - 1));
    if (top > bottom) probs[k] = (top - bottom) / (hiMs - loMs);
  }
  return probs;
}
