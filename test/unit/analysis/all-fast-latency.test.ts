/**
 * Regression: a service whose stable requests all fall in latency bucket 0 (≤ 5 ms) could never be
 * promoted. No stable request was ever above the threshold bucket k_q, so with no absolute slack
 * (d1 = 0) every latency advance e-value stayed at exactly 1 and the step held as "inconclusive"
 * at maxStepDuration. The advance tests now carry d1 = latencyTolerance × (1 − q_top).
 */
import { describe, expect, it } from 'vitest';
import { StableBaseline } from '../../../src/analysis/baseline.js';
import { StepAnalysis } from '../../../src/analysis/step.js';
import type { StepOutcome } from '../../../src/analysis/verdict.js';
import { TrafficWindow } from '../../../src/analysis/window.js';
import { DEFAULT_POLICY, pointMassBuckets, runStep, type Scenario, type VersionModel } from './sim.js';

const ALL_AT_2MS: VersionModel = { failureRate: 0.001, latency: pointMassBuckets([[1, 2]]) };

function allFast(ratePerS: number, canary: VersionModel = ALL_AT_2MS): Scenario {
  return { rate: () => ratePerS, stable: () => ALL_AT_2MS, canary: () => canary };
}

/** The reported case with fixed (not random) windows: 500 canary requests at `canaryMs` and 500 stable at 2 ms a second. */
function playFixed(canaryMs: number, seconds: number): { outcomes: StepOutcome[]; step: StepAnalysis } {
  const policy = { ...DEFAULT_POLICY, errorTolerance: 0.1 };
  const baseline = new StableBaseline();
  const w = new TrafficWindow();
  const fill = (canary: boolean): void => {
    for (let i = 0; i < 500; i++) {
      if (canary) w.canary.record(false, canaryMs);
      w.stable.record(false, 2);
    }
  };
  for (let t = -60; t <= 0; t++) {
    w.reset();
    fill(false);
    baseline.ingest(w, t * 1000);
  }
  const step = StepAnalysis.start(50, 0, policy);
  const outcomes: StepOutcome[] = [];
  for (let t = 1; t <= seconds; t++) {
    w.reset();
    fill(true);
    baseline.ingest(w, t * 1000);
    step.ingest(w, t * 1000, baseline);
    outcomes.push(step.outcome(t * 1000));
  }
  return { outcomes, step };
}

describe('all-fast latencies (every stable request in one bucket) can be promoted', () => {
  it('passes the reported case (50 %, 500 + 500 req/s all at 2 ms, error tolerance 10 %) once minStepDuration is over', () => {
    const { outcomes, step } = playFixed(2, 120);
    const firstPass = outcomes.indexOf('pass') + 1;
    expect(firstPass).toBeGreaterThanOrEqual(DEFAULT_POLICY.minStepDurationMs / 1000);
    expect(firstPass).toBeLessThanOrEqual(40);
    const v = step.verdict(120_000);
    expect(v.outcome).toBe('pass');
    for (const t of v.tests) {
      expect(t.accepted).toBe(true);
      expect(t.revertLogE).toBeLessThanOrEqual(0);
    }
    expect(v.tests.filter((t) => t.metric !== 'errorRate').every((t) => t.thresholdBucket === 0 && t.stableEvents === 0)).toBe(true);
  });

  it('passes at the default policy, 2,000 req/s and 10 %, in nearly every run, never before minStepDuration or minSamples', () => {
    const runs = 40;
    let passes = 0;
    for (let r = 0; r < runs; r++) {
      const { verdict, atSecond } = runStep(20_000 + r, 10, DEFAULT_POLICY, allFast(2000), 600);
      if (verdict.outcome !== 'pass') continue;
      passes++;
      expect(atSecond * 1000).toBeGreaterThanOrEqual(DEFAULT_POLICY.minStepDurationMs);
      expect(verdict.canary.requests).toBeGreaterThanOrEqual(DEFAULT_POLICY.minSamples);
    }
    expect(passes).toBeGreaterThanOrEqual(runs - 2);
  });
});

describe('all-fast latencies: a canary slower than the tolerance still does not pass', () => {
  it('reverts a canary at 7 ms (past 1.21 × the 5 ms bound of stable’s bucket) within seconds, no latency test accepted', () => {
    const { outcomes, step } = playFixed(7, 60);
    expect(outcomes).not.toContain('pass');
    const failedAt = outcomes.indexOf('fail') + 1;
    expect(failedAt).toBeGreaterThan(0);
    expect(failedAt).toBeLessThanOrEqual(5);
    const v = step.verdict(60_000);
    expect(v.tests.filter((t) => t.metric !== 'errorRate').some((t) => t.accepted)).toBe(false);
    expect(v.tests.find((t) => t.rejected)?.metric).toMatch(/^latency/);
  });

  it('never passes, and reverts, a canary sending 1 % of its requests to 50 ms (5 × the 0.2 % slack)', () => {
    const slowTail: VersionModel = { failureRate: 0.001, latency: pointMassBuckets([[0.99, 2], [0.01, 50]]) };
    const outcomes = Array.from({ length: 30 }, (_, r) => runStep(21_000 + r, 10, DEFAULT_POLICY, allFast(2000, slowTail), 600, false).verdict.outcome);
    expect(outcomes).not.toContain('pass');
    expect(outcomes.filter((o) => o === 'fail').length).toBeGreaterThanOrEqual(29);
  });
});
