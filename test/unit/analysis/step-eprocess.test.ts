/**
 * The step's e-values against an independent computation: per-request Z_i with thresholds taken
 * from raw past stable latencies (sorted, not bucket sums), multiplied out request by request.
 * This is the check that accumulating counts with a moving threshold is the same bet; for the
 * advance sides, whose bet changes every window, that the bet applied is the one fixed from the
 * windows before.
 */
import { describe, expect, it } from 'vitest';
import { StableBaseline } from '../../../src/analysis/baseline.js';
import { BET_GRID_SIZE, BettingEProcess, revertPayoffs, advancePayoffs } from '../../../src/analysis/eprocess.js';
import { LATENCY_BUCKET_COUNT, latencyBucket } from '../../../src/analysis/histogram.js';
import { CANARY_PRIOR_EVENTS, RECENT_STABLE_TAU_MS, canaryRate } from '../../../src/analysis/advance-tests.js';
import { kellyBet } from '../../../src/analysis/predictable-bet.js';
import { emptyThreshold, quantileThreshold } from '../../../src/analysis/quantile-threshold.js';
import { StepAnalysis } from '../../../src/analysis/step.js';
import { TrafficWindow } from '../../../src/analysis/window.js';
import { seededRandom } from '../../../src/routing/traffic-split.js';
import { DEFAULT_POLICY } from './sim.js';

interface Req {
  canary: boolean;
  failed: boolean;
  bucket: number;
  latency: number;
}

function quantileOfSorted(sorted: number[], q: number): number {
  return sorted.length === 0 ? -1 : sorted[Math.ceil(q * sorted.length) - 1]!;
}

function logMean(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0) / xs.length);
}

describe('step e-values equal the per-request product', () => {
  it('for the error rate and for a latency quantile with thresholds moving every second', () => {
    const rand = seededRandom(99);
    const weight = 0.2;
    const policy = { ...DEFAULT_POLICY, latencyQuantile: 0.95 };
    const step = StepAnalysis.start(weight * 100, 0, policy);
    const baseline = new StableBaseline();
    const seconds: Req[][] = [];
    const latency = (canary: boolean): number => Math.exp(Math.log(20) + (canary ? 0.9 : 0.7) * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
    for (let t = 0; t <= 45; t++) {
      const reqs: Req[] = [];
      const w = new TrafficWindow();
      for (let i = 0; i < 40; i++) {
        const canary = rand() < weight;
        const failed = rand() < (canary ? 0.03 : 0.01);
        const ms = latency(canary);
        (canary ? w.canary : w.stable).record(failed, ms);
        reqs.push({ canary, failed, bucket: latencyBucket(ms), latency: ms });
      }
      seconds.push(reqs);
      baseline.ingest(w, t * 1000);
      step.ingest(w, t * 1000, baseline);
    }
    const v = step.verdict(45_000);

    // Error rate: Z_i per request over the step (window at t = 0 is the previous weight's).
    const errRevert = new BettingEProcess(revertPayoffs(weight, 1, policy.errorTolerance));
    const errAdvance = new BettingEProcess(advancePayoffs(weight, 1, policy.errorTolerance));
    const stepReqs = seconds.slice(1).flat();
    const direct = (bet: BettingEProcess, z: (r: Req) => number, reqs: Req[]): number =>
      logMean(Array.from({ length: BET_GRID_SIZE }, (_, j) => reqs.reduce((s, r) => s + Math.log(1 + bet.lambdas[j]! * z(r)), 0)));
    const errZ = (p: typeof errRevert.payoffs) => (r: Req) => (r.failed ? (r.canary ? p.canaryEvent : p.stableEvent) : p.noEvent);
    expect(v.tests[0]!.revertLogE).toBeCloseTo(direct(errRevert, errZ(errRevert.payoffs), stepReqs), 8);
    // Advance: Kelly bet per window for both versions failing at stable's step rate so far (Laplace).
    const za = errAdvance.payoffs;
    let errAdvanceLogE = 0;
    let stableFailures = 0;
    let stableRequests = 0;
    let canaryFailures = 0;
    let canaryRequests = 0;
    for (const reqs of seconds.slice(1)) {
      const p = (stableFailures + 1) / (stableRequests + 2);
      const pc = canaryRate(canaryFailures, canaryRequests, p, p + policy.errorTolerance);
      const lambda = kellyBet([za.canaryEvent, za.stableEvent, za.noEvent], [weight * pc, (1 - weight) * p, 1 - weight * pc - (1 - weight) * p]);
      for (const r of reqs) errAdvanceLogE += Math.log(1 + lambda * errZ(za)(r));
      for (const r of reqs) {
        if (r.canary) {
          canaryRequests++;
          if (r.failed) canaryFailures++;
        } else {
          stableRequests++;
          if (r.failed) stableFailures++;
        }
      }
    }
    expect(v.tests[0]!.advanceLogE).toBeCloseTo(errAdvanceLogE, 8);

    // Latency q = 0.95: threshold for second t from the stable requests of seconds t−60..t−1.
    const q95 = v.tests.find((t) => t.metric === 'latencyQ')!;
    const latRevert = new BettingEProcess(revertPayoffs(weight, 1, 0));
    const revertZ: number[] = [];
    let latAdvanceLogE = 0;
    let canaryEvents = 0;
    let canarySeen = 0;
    let expectedEvents = 0;
    // Stable histogram of earlier step windows, decayed with RECENT_STABLE_TAU_MS (windows 1 s apart).
    const recent = new Float64Array(LATENCY_BUCKET_COUNT);
    let lastThreshold = -1;
    for (let t = 1; t <= 45; t++) {
      const past = seconds.slice(Math.max(0, t - 60), t).flat().filter((r) => !r.canary).map((r) => r.bucket).sort((a, b) => a - b);
      const k = quantileOfSorted(past, 0.95);
      lastThreshold = k;
      const m0 = t * 1000 <= 30_000 ? 1 : 0;
      const hist = new Float64Array(LATENCY_BUCKET_COUNT);
      for (const b of past) hist[b]! += 1;
      const th = quantileThreshold(hist, 0.95, policy.latencyTolerance, emptyThreshold());
      const z = [-1 / weight, 1 / (1 - weight), th.stableFractionAbove / (1 - weight)];
      const prior = CANARY_PRIOR_EVENTS / (1 - 0.95);
      const total = recent.reduce((a, b) => a + b, 0);
      const share = (lo: number, hi: number, ring: number): number => (recent.slice(lo, hi).reduce((a, b) => a + b, 0) + prior * ring) / (total + prior);
      const likeStable = share(th.eventBucket + 1, LATENCY_BUCKET_COUNT, th.pastAboveEvent);
      const pc = Math.min(1, Math.max(0, likeStable + (canaryEvents - expectedEvents) / (canarySeen + prior)));
      const lambda = kellyBet(z, [
        weight * pc,
        (1 - weight) * share(th.stableBucket + 1, LATENCY_BUCKET_COUNT, th.pastAboveStable),
        (1 - weight) * share(th.stableBucket, th.stableBucket + 1, th.pastInStable),
      ]);
      expectedEvents += likeStable * seconds[t]!.filter((r) => r.canary).length;
      for (const r of seconds[t]!) {
        const zOf = (p: typeof latRevert.payoffs, m: number): number => (r.canary ? (r.bucket > k + m ? p.canaryEvent : p.noEvent) : r.bucket > k ? p.stableEvent : p.noEvent);
        revertZ.push(zOf(latRevert.payoffs, m0));
        const za = r.canary ? (r.bucket > th.eventBucket ? z[0]! : 0) : r.bucket > th.stableBucket ? z[1]! : r.bucket === th.stableBucket ? z[2]! : 0;
        if (th.eventBucket >= 0) latAdvanceLogE += Math.log(1 + lambda * za);
        if (th.eventBucket >= 0 && r.canary) {
          canarySeen++;
          if (r.bucket > th.eventBucket) canaryEvents++;
        }
      }
      const decay = t === 1 ? 0 : Math.exp(-1000 / RECENT_STABLE_TAU_MS);
      for (let b = 0; b < LATENCY_BUCKET_COUNT; b++) recent[b] = recent[b]! * decay;
      for (const r of seconds[t]!) if (!r.canary) recent[r.bucket]! += 1;
    }
    const directZ = (bet: BettingEProcess, zs: number[]): number =>
      logMean(Array.from({ length: BET_GRID_SIZE }, (_, j) => zs.reduce((s, z) => s + Math.log(1 + bet.lambdas[j]! * z), 0)));
    expect(q95.thresholdBucket).toBe(lastThreshold);
    expect(q95.canaryEvents).toBe(revertZ.filter((z) => z > 0).length);
    expect(q95.revertLogE).toBeCloseTo(directZ(latRevert, revertZ), 8);
    expect(q95.advanceLogE).toBeCloseTo(latAdvanceLogE, 8);
    expect(q95.advanceLogE).not.toBe(0);
    expect(q95.revertLogE).toBeGreaterThan(0);
  });
});
