/**
 * What a step analysis answers, and the sentences operators read. Verdicts are not booleans
 * (Argo Rollouts' Successful / Failed / Inconclusive / Error): "not enough data yet" holds the
 * step, and every answer says why.
 */
import { formatBucketBound } from './histogram.js';
import type { LatencyExceedanceTest, MetricTest, TestMetric } from './metric-tests.js';

/** invalid = sample-ratio mismatch: the split itself is broken, so nothing else can be trusted. */
export type StepOutcome = 'pass' | 'fail' | 'pending' | 'inconclusive' | 'invalid';

export interface TestEvidence {
  metric: TestMetric;
  label: string;
  /** log e-value against "the canary is no worse than stable". */
  revertLogE: number;
  /** log e-value against "the canary is worse than the tolerance". */
  advanceLogE: number;
  /** Advance side crossed 1/β at some point in the step (latched). */
  accepted: boolean;
  /** Canary requests seen when the test was accepted; absent until then. */
  acceptedAtCanaryRequests?: number;
  /** This test's evidence is what reverted the step. */
  rejected: boolean;
  /** Canary requests counted as events on the revert side. */
  canaryEvents: number;
  stableEvents: number;
  /** Canary requests beyond the tolerated threshold (advance side). */
  canaryAdvanceEvents: number;
  /** Requests this test has seen (latency tests skip requests before any past stable data). */
  canaryRequests: number;
  stableRequests: number;
  /** Latency tests: the bucket of stable's quantile used most recently, -1 when none yet. */
  thresholdBucket?: number;
}

export interface StepVerdict {
  outcome: StepOutcome;
  reason: string;
  tests: TestEvidence[];
  canary: { requests: number; failures: number };
  stable: { requests: number; failures: number };
  srmLogE: number;
  elapsedMs: number;
  /** Canary share of the step, percent. */
  weightPercent: number;
  /** log of the mean revert e-value over the K tests, and the level (ln 1/α_step) that reverts. */
  revertLogE: number;
  revertLogThreshold: number;
  /** ln 1/β, the level at which a test is accepted. */
  advanceLogThreshold: number;
}

export function evidenceOf(test: MetricTest, rejected: boolean): TestEvidence {
  const e: TestEvidence = {
    metric: test.metric,
    label: test.label,
    revertLogE: test.revertLogE(),
    advanceLogE: test.advanceLogE(),
    accepted: test.accepted,
    rejected,
    canaryEvents: test.canaryEvents,
    stableEvents: test.stableEvents,
    canaryAdvanceEvents: test.canaryAdvanceEvents,
    canaryRequests: test.canaryRequests,
    stableRequests: test.stableRequests,
  };
  if (test.acceptedAtCanaryRequests !== undefined) e.acceptedAtCanaryRequests = test.acceptedAtCanaryRequests;
  if (test.metric !== 'errorRate') e.thresholdBucket = (test as LatencyExceedanceTest).lastThresholdBucket;
  return e;
}

export function formatPercent(fraction: number): string {
  const p = fraction * 100;
  if (!Number.isFinite(p)) return 'n/a';
  const digits = p >= 10 || p === 0 ? 0 : p >= 1 ? 1 : 2;
  return `${Number(p.toFixed(digits))}%`;
}

/** An e-value for humans: "412", "3.2", "1.2e+9". */
export function formatEValue(logE: number): string {
  const e = Math.exp(logE);
  if (!Number.isFinite(e)) return logE > 0 ? 'over 1e308' : '0';
  if (e >= 1e6) return e.toExponential(1);
  if (e >= 100) return Math.round(e).toString();
  return Number(e.toPrecision(2)).toString();
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
}

function rate(events: number, requests: number): string {
  return requests > 0 ? formatPercent(events / requests) : 'n/a';
}

/** "canary error rate 5.2% vs stable 0.1%" or "canary latency p99: 4.1% of canary requests over 118 ms vs 1.0% of stable". */
export function describeComparison(e: TestEvidence): string {
  if (e.metric === 'errorRate') {
    return `canary error rate ${rate(e.canaryEvents, e.canaryRequests)} vs stable ${rate(e.stableEvents, e.stableRequests)}`;
  }
  const over = e.thresholdBucket !== undefined && e.thresholdBucket >= 0 ? ` over stable's ${e.label.replace('latency ', '')} (${formatBucketBound(e.thresholdBucket)})` : '';
  return `canary ${e.label}: ${rate(e.canaryEvents, e.canaryRequests)} of canary requests${over} vs ${rate(e.stableEvents, e.stableRequests)} of stable`;
}

/** What an unaccepted test is still waiting to show, for pending and inconclusive reasons. */
export function describeTolerance(e: TestEvidence, errorTolerance: number, latencyTolerance: number): string {
  return e.metric === 'errorRate'
    ? `error rate within ${formatPercent(errorTolerance)}`
    : `${e.label} within ${formatPercent(latencyTolerance)}`;
}

export function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]!}`;
}
