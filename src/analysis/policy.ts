/**
 * The knobs of a rollout step's analysis and what they turn into: error budgets per step,
 * bucket margins for latency, and the thresholds the e-values are compared with.
 */
import { AnalysisError } from './errors.js';
import { BUCKET_GROWTH } from './histogram.js';

export interface AnalysisPolicy {
  minStepDurationMs: number;
  maxStepDurationMs: number;
  minSamples: number;
  /** Absolute fraction: 0.005 = the canary may fail 0.5 points more often than stable and still advance. */
  errorTolerance: number;
  /** The configured latency quantile, e.g. 0.99; p50 and p90 are always tested too. */
  latencyQuantile: number;
  /** Relative fraction: 0.2 = the canary's quantiles may be 20 % slower and still advance. */
  latencyTolerance: number;
  /** Chance, over the whole rollout, of reverting a canary that is in truth as good as stable. */
  falseRollbackRate: number;
  /** Steps that are analysed (those with weight < 100); the false-rollback budget is split evenly over them. */
  analysedSteps: number;
  /** True when sticky sessions are on: requests of one client are correlated, so the budgets are tightened. */
  clusteredTraffic?: boolean;
  /**
   * Chance, per metric, of accepting it although the canary is in truth worse than the tolerance.
   * Defaults to DEFAULT_MISSED_REGRESSION_RATE.
   */
  missedRegressionRate?: number;
}

/** 5 %: a wrong acceptance only moves the canary one step on, where it is tested afresh with more traffic. */
export const DEFAULT_MISSED_REGRESSION_RATE = 0.05;
/**
 * With sticky sessions both budgets are divided by 10 (ln 10 ≈ 2.3 more nats of evidence needed).
 * A heuristic for moderate clustering, not a proof: see docs/statistics.md.
 */
export const CLUSTERED_ALPHA_FACTOR = 0.1;
/** Chance of holding a healthy step as "invalid" because the split looks broken. */
export const SRM_ALPHA = 0.001;
/** Revert thresholds are one bucket looser this long after a step starts, forgiving cold caches. */
export const COLD_START_MS = 30_000;
export const COLD_START_MARGIN_BUCKETS = 1;
/** Quantiles tested on every step, besides the configured one. */
export const ALWAYS_TESTED_QUANTILES: readonly number[] = [0.5, 0.9];
/** Smallest latency tolerance one 10 % bucket can express (1.1^0.5 − 1). */
export const MIN_LATENCY_TOLERANCE = Math.sqrt(BUCKET_GROWTH) - 1;

function policyError(path: string, value: unknown, fix: string): AnalysisError {
  return new AnalysisError('ANALYSIS_INVALID_POLICY', `policy.${path}: ${String(value)} ${fix}`);
}

function fraction(path: string, v: number, lo: number, hi: number, inclusiveLo: boolean): void {
  const ok = Number.isFinite(v) && (inclusiveLo ? v >= lo : v > lo) && v < hi;
  if (!ok) throw policyError(path, v, `must be a fraction in ${inclusiveLo ? '[' : '('}${lo}, ${hi})`);
}

/** Throws AnalysisError('ANALYSIS_INVALID_POLICY') naming the field and the fix. */
export function validatePolicy(p: AnalysisPolicy): void {
  if (!Number.isFinite(p.minStepDurationMs) || p.minStepDurationMs < 0) throw policyError('minStepDurationMs', p.minStepDurationMs, 'must be ≥ 0 ms');
  if (!Number.isFinite(p.maxStepDurationMs) || p.maxStepDurationMs < p.minStepDurationMs) {
    throw policyError('maxStepDurationMs', p.maxStepDurationMs, `must be finite and ≥ minStepDurationMs (${p.minStepDurationMs})`);
  }
  if (!Number.isSafeInteger(p.minSamples) || p.minSamples < 0) throw policyError('minSamples', p.minSamples, 'must be a whole number ≥ 0');
  fraction('errorTolerance', p.errorTolerance, 0, 1, true);
  fraction('latencyQuantile', p.latencyQuantile, 0, 1, false);
  if (!Number.isFinite(p.latencyTolerance) || p.latencyTolerance < MIN_LATENCY_TOLERANCE) {
    throw policyError('latencyTolerance', p.latencyTolerance, `is below the 10 % histogram resolution; use at least ${MIN_LATENCY_TOLERANCE.toFixed(3)} (5 %)`);
  }
  fraction('falseRollbackRate', p.falseRollbackRate, 0, 1, false);
  if (!Number.isSafeInteger(p.analysedSteps) || p.analysedSteps < 1) throw policyError('analysedSteps', p.analysedSteps, 'must be a whole number ≥ 1');
  if (p.missedRegressionRate !== undefined) fraction('missedRegressionRate', p.missedRegressionRate, 0, 1, false);
}

/** Everything a step derives from its weight and the policy, computed once at step start. */
export interface StepPlan {
  /** Canary share as a fraction in (0, 1). */
  weight: number;
  /** False-rollback budget of this step (all K tests together). */
  alphaStep: number;
  /** Per-metric chance of a wrong acceptance. */
  beta: number;
  quantiles: number[];
  /** Advance margin in buckets: 1.1^m1 ≈ 1 + latencyTolerance. */
  latencyMarginBuckets: number;
  /**
   * Absolute slack d1 of `LatencyExceedanceTest`'s advance side: latencyTolerance × (1 − highest
   * tested quantile). The step's `LatencyQuantileTest` needs none: its level is ≈ 1 − q, not stable's
   * rate above a whole bucket (docs/statistics.md, "What each advance test shows").
   */
  latencyAdvanceSlack: number;
  /** Advance margin for the error rate, absolute. */
  errorMargin: number;
  checkSplit: boolean;
}

export function latencyMarginBuckets(tolerance: number): number {
  return Math.max(1, Math.round(Math.log1p(tolerance) / Math.log(BUCKET_GROWTH)));
}

/**
 * d1 of the latency advance tests, one value for all of them: the canary may send
 * tolerance × (1 − q_top) more of its requests past 1.1^m1 × stable's threshold than stable sends
 * past the threshold itself (0.2 % of requests at p99 and 20 %). It is the tolerance applied to the
 * thinnest tested tail, the same "more often" share as r1 = 1 + tolerance would give at q_top's
 * nominal tail; unlike r1 it stays positive when stable has no request above the threshold
 * (latencies all in one bucket), which d1 = 0 could never accept. Taking q_top for every test
 * rather than each test's own 1 − q keeps p50 and p90 from accepting a median tens of percent
 * slower (docs/statistics.md, "Tight latencies").
 */
export function latencyAdvanceSlack(tolerance: number, quantiles: readonly number[]): number {
  return tolerance * (1 - Math.max(...quantiles));
}

/** Distinct tested quantiles in ascending order: p50, p90 and the configured one. */
export function testedQuantiles(configured: number): number[] {
  return [...new Set([...ALWAYS_TESTED_QUANTILES, configured])].sort((a, b) => a - b);
}

export function planStep(weightPercent: number, policy: AnalysisPolicy): StepPlan {
  const clustered = policy.clusteredTraffic === true;
  const tighten = clustered ? CLUSTERED_ALPHA_FACTOR : 1;
  const quantiles = testedQuantiles(policy.latencyQuantile);
  return {
    weight: weightPercent / 100,
    alphaStep: (policy.falseRollbackRate / policy.analysedSteps) * tighten,
    beta: (policy.missedRegressionRate ?? DEFAULT_MISSED_REGRESSION_RATE) * tighten,
    quantiles,
    latencyMarginBuckets: latencyMarginBuckets(policy.latencyTolerance),
    latencyAdvanceSlack: latencyAdvanceSlack(policy.latencyTolerance, quantiles),
    // The configured tolerance at every weight (ANALYSIS.md allows a looser margin at 1 %); one
    // meaning for the knob is easier to reason about, and a 1 % step that cannot show it holds as
    // inconclusive instead of promoting on thin evidence.
    errorMargin: policy.errorTolerance,
    // Sticky clients make per-request counts over-dispersed by design, so a mismatch is expected
    // and would hold every step; it is still reported, not enforced.
    checkSplit: !clustered,
  };
}

/** Throws AnalysisError('ANALYSIS_INVALID_WEIGHT') unless 0 < weightPercent ≤ 100. */
export function validateWeight(weightPercent: number): void {
  if (!Number.isFinite(weightPercent) || weightPercent <= 0 || weightPercent > 100) {
    throw new AnalysisError('ANALYSIS_INVALID_WEIGHT', `weight ${String(weightPercent)}: a step's canary weight must be a percent in (0, 100]`);
  }
}
