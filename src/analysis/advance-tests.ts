/**
 * The advance sides the step uses since issue 15, item 4: the same revert sides as
 * `ErrorRateTest` and `LatencyExceedanceTest` (inherited unchanged), with an advance e-process
 * that bets, each window, the growth-optimal amount (`kellyBet`) for the rates predicted from
 * earlier windows ("the canary is like stable", corrected by the canary's own rate so far),
 * instead of averaging the 16-bet grid.
 *
 * Latency, advance null H0'(q): P_c(L > B) ≥ P_b(L > B / (1 + tolerance)), B the bucket bound
 * nearest (1 + tolerance)·q_b and the right side read with in-bucket interpolation
 * (`quantileThreshold`), so it is ≈ 1 − q when stable is as it was. Rejecting it shows "the
 * canary's q-quantile ≤ (1 + tolerance) × stable's", against stable requests of the same seconds:
 * a load change or an incident that moves both versions moves both sides of the comparison
 * (docs/statistics.md, "What each advance test shows").
 */
import { advancePayoffs } from './eprocess.js';
import { countAbove, LATENCY_BUCKET_COUNT } from './histogram.js';
import { ErrorRateTest, LatencyExceedanceTest, type TestMetric } from './metric-tests.js';
import { kellyBet, PredictableBetEProcess } from './predictable-bet.js';
import type { QuantileThreshold } from './quantile-threshold.js';
import type { TrafficWindow } from './window.js';

/**
 * Weight of the "like stable" prediction against the canary's own rate so far, in events at the
 * null's level: the prediction counts as 10 / level canary requests (1,000 at p99).
 * Betting on stable's rate alone loses for good on a canary that is worse than stable but inside the
 * tolerance (0.5 % slow requests where 1 % are allowed and stable has none: every slow request costs
 * a factor 0.1); mixing in the canary's own past lets the bet follow it. A weaker prior makes the
 * bet chase the noise of a few rare events and slowed healthy canaries down in the simulation.
 */
export const CANARY_PRIOR_EVENTS = 10;

/** The canary's predicted event rate: its own past rate shrunk toward stable's prediction. */
export function canaryRate(events: number, requests: number, predicted: number, level: number): number {
  const prior = CANARY_PRIOR_EVENTS / level;
  return (events + prior * predicted) / (requests + prior);
}

/**
 * Error rate, advance null H0': P_c ≥ P_b + margin (ANALYSIS.md, r1 = 1, d1 = margin), the grid's
 * payoffs; the bet is Kelly for stable failing at its rate so far in the step and the canary at
 * that rate corrected by its own (`canaryRate`).
 */
export class PredictableErrorRateTest extends ErrorRateTest {
  private readonly advance = new PredictableBetEProcess();
  private readonly payoffs: Float64Array;
  private readonly probabilities = new Float64Array(3);
  private readonly counts = new Float64Array(3);
  private readonly weight: number;
  private readonly margin: number;
  private stableFailuresSoFar = 0;
  private stableRequestsSoFar = 0;
  private canaryFailuresSoFar = 0;
  private canaryRequestsSoFar = 0;

  constructor(weight: number, margin: number, logAcceptAt: number) {
    super(weight, margin, logAcceptAt);
    const z = advancePayoffs(weight, 1, margin);
    this.payoffs = Float64Array.of(z.canaryEvent, z.stableEvent, z.noEvent);
    this.weight = weight;
    this.margin = margin;
  }

  override advanceLogE(): number {
    return this.advance.logE;
  }

  override observe(window: TrafficWindow, nowMs: number): void {
    // Predicted from earlier windows only (Laplace's rule keeps it off 0 and 1 on the first).
    const p = (this.stableFailuresSoFar + 1) / (this.stableRequestsSoFar + 2);
    const pc = canaryRate(this.canaryFailuresSoFar, this.canaryRequestsSoFar, p, p + this.margin);
    const pr = this.probabilities;
    pr[0] = this.weight * pc;
    pr[1] = (1 - this.weight) * p;
    pr[2] = 1 - pr[0] - pr[1];
    const c = this.counts;
    c[0] = window.canary.failures;
    c[1] = window.stable.failures;
    c[2] = window.canary.requests + window.stable.requests - c[0] - c[1];
    this.advance.add(kellyBet(this.payoffs, pr), this.payoffs, c);
    this.stableFailuresSoFar += window.stable.failures;
    this.stableRequestsSoFar += window.stable.requests;
    this.canaryFailuresSoFar += window.canary.failures;
    this.canaryRequestsSoFar += window.canary.requests;
    super.observe(window, nowMs);
  }
}

/**
 * Time constant of the recent stable histogram the latency bets are predicted from. The 60 s ring
 * sets the thresholds, but predicting this window's rates from it lags an incident or a load change
 * by up to a minute, and a bet sized for 1 % slow requests when 30 % are slow loses heavily (p99
 * acceptance through the bench's incident went from ~1,300 to ~27,000 canary requests).
 */
export const RECENT_STABLE_TAU_MS = 5_000;

/** Latency at quantile q: H0'(q) above, against the threshold the past ring gives each window. */
export class LatencyQuantileTest extends LatencyExceedanceTest {
  private readonly advance = new PredictableBetEProcess();
  private readonly payoffs = new Float64Array(3);
  private readonly probabilities = new Float64Array(3);
  private readonly counts = new Float64Array(3);
  private advanceEvents = 0;
  private advanceCanaryRequests = 0;
  /** Canary events expected had the canary been like stable, summed over windows: its excess is what the bet corrects for. */
  private expectedCanaryEvents = 0;
  /** Exponentially decayed stable histogram of earlier windows (RECENT_STABLE_TAU_MS). */
  private readonly recentStable = new Float64Array(LATENCY_BUCKET_COUNT);
  private recentAtMs = Number.NaN;
  /** Bucket whose upper bound the canary was last compared with (advance side), -1 before any. */
  lastEventBucket = -1;

  constructor(
    quantile: number,
    metric: TestMetric,
    private readonly weight: number,
    advanceMarginBuckets: number,
    logAcceptAt: number,
  ) {
    // The grid's advance side of the parent is not used; its revert side is, unchanged.
    super(quantile, metric, weight, advanceMarginBuckets, 0, logAcceptAt);
  }

  override advanceLogE(): number {
    return this.advance.logE;
  }

  override get canaryAdvanceEvents(): number {
    return this.advanceEvents;
  }

  /** Adds a window with stable's threshold from the past ring (`StableBaseline.quantileThreshold`). */
  observeThreshold(window: TrafficWindow, nowMs: number, threshold: QuantileThreshold, revertMarginBuckets: number): void {
    const j = threshold.eventBucket;
    if (j >= 0) {
      const w = this.weight;
      const z = this.payoffs;
      // Kinds: canary slower than B; stable above B/(1 + tolerance)'s bucket; stable inside it (worth its share above).
      z[0] = -1 / w;
      z[1] = 1 / (1 - w);
      z[2] = threshold.stableFractionAbove / (1 - w);
      // Predicted from earlier windows: stable's recent histogram, with the ring's shares as a prior
      // worth 10 events at the level; the canary like stable plus its excess over that so far.
      const level = 1 - this.quantile;
      const prior = CANARY_PRIOR_EVENTS / level;
      const recent = this.recentStable;
      let total = 0;
      let aboveEvent = 0;
      for (let b = 0; b < LATENCY_BUCKET_COUNT; b++) {
        total += recent[b]!;
        if (b > j) aboveEvent += recent[b]!;
      }
      const aboveStable = countAbove(recent, threshold.stableBucket);
      const blend = (count: number, ringShare: number): number => (count + prior * ringShare) / (total + prior);
      const likeStable = blend(aboveEvent, threshold.pastAboveEvent);
      const excess = (this.advanceEvents - this.expectedCanaryEvents) / (this.advanceCanaryRequests + prior);
      const pr = this.probabilities;
      pr[0] = w * Math.min(1, Math.max(0, likeStable + excess));
      pr[1] = (1 - w) * blend(aboveStable, threshold.pastAboveStable);
      pr[2] = (1 - w) * blend(recent[threshold.stableBucket]!, threshold.pastInStable);
      this.expectedCanaryEvents += likeStable * window.canary.requests;
      const k = threshold.stableBucket;
      const c = this.counts;
      c[0] = countAbove(window.canary.latency, j);
      c[1] = countAbove(window.stable.latency, k);
      c[2] = window.stable.latency[k]!;
      this.advance.add(kellyBet(z, pr), z, c);
      this.advanceEvents += c[0];
      this.advanceCanaryRequests += window.canary.requests;
      this.lastEventBucket = j;
    }
    this.rememberStable(window, nowMs);
    super.observe(window, nowMs, threshold.quantileBucket, revertMarginBuckets);
  }

  private rememberStable(window: TrafficWindow, nowMs: number): void {
    const decay = Number.isNaN(this.recentAtMs) ? 0 : Math.exp(-Math.max(0, nowMs - this.recentAtMs) / RECENT_STABLE_TAU_MS);
    this.recentAtMs = nowMs;
    const latency = window.stable.latency;
    for (let b = 0; b < LATENCY_BUCKET_COUNT; b++) this.recentStable[b] = this.recentStable[b]! * decay + latency[b]!;
  }
}
