/**
 * The K sequential tests of a step, one per metric. Each keeps event counts for its revert side
 * and its advance side and turns them into e-values on demand; acceptance is latched the first
 * time the advance e-value crosses 1/β, which is what P(accept | H0') ≤ β is about.
 */
import { advancePayoffs, BettingEProcess, revertPayoffs } from './eprocess.js';
import { countAbove, OVERFLOW_BUCKET } from './histogram.js';
import type { TrafficWindow } from './window.js';

export type TestMetric = 'errorRate' | 'latencyP50' | 'latencyP90' | 'latencyQ';

/** Counts behind one side of a test: canary events, stable events, and all requests seen. */
class SideCounts {
  canaryEvents = 0;
  stableEvents = 0;
  requests = 0;

  others(): number {
    return this.requests - this.canaryEvents - this.stableEvents;
  }
}

export abstract class MetricTest {
  abstract readonly metric: TestMetric;
  abstract readonly label: string;
  protected readonly revertSide = new SideCounts();
  protected readonly advanceSide = new SideCounts();
  canaryRequests = 0;
  stableRequests = 0;
  accepted = false;
  acceptedAtMs: number | undefined;
  /** Canary requests this test had seen when it was accepted: what the bench compares with the oracle. */
  acceptedAtCanaryRequests: number | undefined;

  constructor(
    private readonly revertBet: BettingEProcess,
    private readonly advanceBet: BettingEProcess,
    private readonly logAcceptAt: number,
  ) {}

  revertLogE(): number {
    const s = this.revertSide;
    return this.revertBet.logE(s.canaryEvents, s.stableEvents, s.others());
  }

  advanceLogE(): number {
    const s = this.advanceSide;
    return this.advanceBet.logE(s.canaryEvents, s.stableEvents, s.others());
  }

  get canaryEvents(): number {
    return this.revertSide.canaryEvents;
  }

  get canaryAdvanceEvents(): number {
    return this.advanceSide.canaryEvents;
  }

  get stableEvents(): number {
    return this.revertSide.stableEvents;
  }

  protected latchAcceptance(nowMs: number): void {
    if (!this.accepted && this.advanceLogE() >= this.logAcceptAt) {
      this.accepted = true;
      this.acceptedAtMs = nowMs;
      this.acceptedAtCanaryRequests = this.canaryRequests;
    }
  }
}

/**
 * A = the request failed. Both sides use the error tolerance as their margin (d0 = d1), r = 1:
 * "canary error rate ≤ stable + tolerance" is the revert null (issue 3, DESIGN.md: the canary "may exceed
 * baseline by this much"), so a canary inside the tolerance is reverted with probability ≤ α however much
 * traffic it sees; ANALYSIS.md allows d0 = tolerance "if small regressions may pass".
 */
export class ErrorRateTest extends MetricTest {
  readonly metric = 'errorRate';
  readonly label = 'error rate';

  constructor(weight: number, margin: number, logAcceptAt: number) {
    super(new BettingEProcess(revertPayoffs(weight, 1, margin)), new BettingEProcess(advancePayoffs(weight, 1, margin)), logAcceptAt);
  }

  observe(window: TrafficWindow, nowMs: number): void {
    const n = window.canary.requests + window.stable.requests;
    for (const side of [this.revertSide, this.advanceSide]) {
      side.canaryEvents += window.canary.failures;
      side.stableEvents += window.stable.failures;
      side.requests += n;
    }
    this.canaryRequests += window.canary.requests;
    this.stableRequests += window.stable.requests;
    this.latchAcceptance(nowMs);
  }
}

/**
 * A = the request was slower than stable's recent q-quantile (bucket > k_q), shifted by m0 buckets
 * for the canary on the revert side and by m1 on the advance side; r = 1 on both sides.
 * Revert: d0 = 0, so "canary has stable's distribution" is exactly on the null boundary.
 * Advance: d1 = `advanceSlack` > 0 (policy's `latencyAdvanceSlack`). With d1 = 0 a stable version
 * with no request above k_q (all latencies in one bucket) makes the null "P_c ≥ 0" true for ever
 * and the test could never accept; the slack lets "canary exceedances ≤ stable's + d1" be shown
 * when both are zero, at the price of admitting d1 more canary exceedances in general.
 */
export class LatencyExceedanceTest extends MetricTest {
  readonly metric: TestMetric;
  readonly label: string;
  /** Stable q-quantile bucket used for the latest window, -1 before any past stable traffic. */
  lastThresholdBucket = -1;

  constructor(
    readonly quantile: number,
    metric: TestMetric,
    weight: number,
    private readonly advanceMarginBuckets: number,
    readonly advanceSlack: number,
    logAcceptAt: number,
  ) {
    super(new BettingEProcess(revertPayoffs(weight, 1, 0)), new BettingEProcess(advancePayoffs(weight, 1, advanceSlack)), logAcceptAt);
    this.metric = metric;
    this.label = `latency ${quantileLabel(quantile)}`;
  }

  observe(window: TrafficWindow, nowMs: number, thresholdBucket: number, revertMarginBuckets: number): void {
    // Without a past stable quantile there is no valid threshold; skipping loses data, not validity.
    if (thresholdBucket < 0) return;
    this.lastThresholdBucket = thresholdBucket;
    const n = window.canary.requests + window.stable.requests;
    const stableEvents = thresholdBucket >= OVERFLOW_BUCKET ? 0 : countAbove(window.stable.latency, thresholdBucket);
    this.revertSide.canaryEvents += countAbove(window.canary.latency, thresholdBucket + revertMarginBuckets);
    this.revertSide.stableEvents += stableEvents;
    this.revertSide.requests += n;
    this.advanceSide.canaryEvents += countAbove(window.canary.latency, thresholdBucket + this.advanceMarginBuckets);
    this.advanceSide.stableEvents += stableEvents;
    this.advanceSide.requests += n;
    this.canaryRequests += window.canary.requests;
    this.stableRequests += window.stable.requests;
    this.latchAcceptance(nowMs);
  }
}

/** 0.99 → "p99", 0.999 → "p99.9", 0.5 → "p50". */
export function quantileLabel(q: number): string {
  return `p${Number((q * 100).toPrecision(6))}`;
}
