import { describe, expect, it } from 'vitest';
import type { AnalysisError } from '../../../src/analysis/errors.js';
import { StableBaseline } from '../../../src/analysis/baseline.js';
import { StepAnalysis, startStep } from '../../../src/analysis/step.js';
import { TrafficWindow } from '../../../src/analysis/window.js';
import { DEFAULT_POLICY, STABLE_LATENCY, healthy, lognormalBuckets, runStep, type Scenario, type VersionModel } from './sim.js';

function withCanary(ratePerS: number, canary: VersionModel, stable: VersionModel = { failureRate: 0.001, latency: STABLE_LATENCY }): Scenario {
  return { rate: () => ratePerS, stable: () => stable, canary: () => canary };
}

describe('StepAnalysis: inputs and trivial steps', () => {
  it('passes a 100 % step at once, with a reason, without analysing', () => {
    const v = StepAnalysis.start(100, 0, DEFAULT_POLICY).verdict(0);
    expect(v.outcome).toBe('pass');
    expect(v.reason).toMatch(/nothing to compare/);
    expect(v.tests).toEqual([]);
  });

  it('throws typed errors on a bad weight, time or policy', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return (e as AnalysisError).code;
      }
      return undefined;
    };
    expect(code(() => startStep(0, 0, DEFAULT_POLICY))).toBe('ANALYSIS_INVALID_WEIGHT');
    expect(code(() => startStep(101, 0, DEFAULT_POLICY))).toBe('ANALYSIS_INVALID_WEIGHT');
    expect(code(() => startStep(5, Number.NaN, DEFAULT_POLICY))).toBe('ANALYSIS_INVALID_TIME');
    expect(code(() => startStep(5, 0, { ...DEFAULT_POLICY, analysedSteps: 0 }))).toBe('ANALYSIS_INVALID_POLICY');
    expect(code(() => startStep(5, 0, DEFAULT_POLICY).verdict(Number.POSITIVE_INFINITY))).toBe('ANALYSIS_INVALID_TIME');
  });

  it('says how many canary requests it is waiting for', () => {
    const step = StepAnalysis.start(5, 0, DEFAULT_POLICY);
    const w = new TrafficWindow();
    for (let i = 0; i < 80; i++) w.canary.record(false, 20);
    for (let i = 0; i < 1520; i++) w.stable.record(false, 20);
    step.ingest(w, 1000, new StableBaseline());
    const v = step.verdict(1000);
    expect(v.outcome).toBe('pending');
    expect(v.reason).toBe('waiting: 80 of 200 canary requests');
    expect(v.canary).toEqual({ requests: 80, failures: 0 });
    expect(v.tests.map((t) => t.metric)).toEqual(['errorRate', 'latencyP50', 'latencyP90', 'latencyQ']);
  });

  it('ignores windows drained at or before the step start (they belong to the previous weight)', () => {
    const step = StepAnalysis.start(5, 10_000, DEFAULT_POLICY);
    const w = new TrafficWindow();
    w.canary.record(true, 20);
    step.ingest(w, 10_000, new StableBaseline());
    expect(step.verdict(10_000).canary.requests).toBe(0);
  });
});

describe('StepAnalysis: power', () => {
  it('reverts +5 points of errors within seconds at 1,000 req/s and 5 %', () => {
    const r = runStep(11, 5, DEFAULT_POLICY, withCanary(1000, { failureRate: 0.051, latency: STABLE_LATENCY }), 120);
    expect(r.verdict.outcome).toBe('fail');
    expect(r.atSecond).toBeLessThanOrEqual(15);
    expect(r.verdict.reason).toMatch(/^canary error rate \d+(\.\d+)?% vs stable \d+(\.\d+)?% \(e-value \d+ ≥ 500\)$/);
    expect(r.verdict.tests.find((t) => t.rejected)?.metric).toBe('errorRate');
  });

  it('reverts a doubled p99 with the median unchanged', () => {
    const r = runStep(12, 5, DEFAULT_POLICY, withCanary(1000, { failureRate: 0.001, latency: lognormalBuckets(20, 240) }), 120);
    expect(r.verdict.outcome).toBe('fail');
    expect(r.atSecond).toBeLessThanOrEqual(40);
    expect(r.verdict.tests.find((t) => t.rejected)?.metric).toMatch(/^latency/);
  });

  it('stays failed once reverted, whatever arrives later', () => {
    const step = StepAnalysis.start(10, 0, DEFAULT_POLICY);
    const b = new StableBaseline();
    const bad = new TrafficWindow();
    for (let i = 0; i < 100; i++) bad.canary.record(true, 20);
    for (let i = 0; i < 900; i++) bad.stable.record(false, 20);
    step.ingest(bad, 1000, b);
    expect(step.verdict(1000).outcome).toBe('fail');
    const good = new TrafficWindow();
    for (let i = 0; i < 100; i++) good.canary.record(false, 20);
    for (let i = 0; i < 900; i++) good.stable.record(false, 20);
    for (let t = 2; t < 100; t++) step.ingest(good, t * 1000, b);
    expect(step.verdict(100_000).outcome).toBe('fail');
    expect(step.verdict(100_000).canary.requests).toBe(100);
  });

  it('passes a healthy canary only after minStepDuration and minSamples', () => {
    const r = runStep(13, 10, DEFAULT_POLICY, healthy(2000), 600);
    expect(r.verdict.outcome).toBe('pass');
    expect(r.verdict.elapsedMs).toBeGreaterThanOrEqual(DEFAULT_POLICY.minStepDurationMs);
    expect(r.verdict.canary.requests).toBeGreaterThanOrEqual(DEFAULT_POLICY.minSamples);
    expect(r.verdict.tests.every((t) => t.accepted)).toBe(true);
    expect(r.verdict.reason).toMatch(/^canary within tolerance: canary error rate/);
  });

  it('never passes before minSamples, even with every test accepted', () => {
    const policy = { ...DEFAULT_POLICY, minSamples: 20_000, maxStepDurationMs: 1_200_000 };
    const r = runStep(14, 10, policy, healthy(1000), 1200);
    expect(r.verdict.outcome).toBe('pass');
    expect(r.verdict.canary.requests).toBeGreaterThanOrEqual(20_000);
    expect(r.atSecond).toBeGreaterThanOrEqual(190);
  });

  it('holds as inconclusive after maxStepDuration and never promotes', () => {
    const policy = { ...DEFAULT_POLICY, maxStepDurationMs: 120_000 };
    const r = runStep(15, 1, policy, healthy(50), 120);
    expect(r.verdict.outcome).toBe('inconclusive');
    expect(r.verdict.reason).toMatch(/^inconclusive: too little canary traffic to show .*error rate within 0\.5%/);
    // Asked later, it still does not promote, even if evidence arrived after the deadline.
    const step = StepAnalysis.start(1, 0, policy);
    expect(step.verdict(10 * 120_000).outcome).toBe('inconclusive');
  });

  it('holds as invalid when the split is broken', () => {
    const r = runStep(16, 5, DEFAULT_POLICY, { ...healthy(1000), actualShare: 0.04 }, 600);
    expect(r.verdict.outcome).toBe('invalid');
    expect(r.verdict.srmLogE).toBeGreaterThanOrEqual(Math.log(1000));
    expect(r.verdict.reason).toMatch(/^invalid: canary got \d(\.\d)?% of \d+ requests, expected 5% \(split e-value \d+ ≥ 1000\)/);
  });

  it('reports but does not enforce the split with sticky sessions', () => {
    const r = runStep(16, 5, { ...DEFAULT_POLICY, clusteredTraffic: true }, { ...healthy(1000), actualShare: 0.04 }, 600);
    expect(r.verdict.outcome).not.toBe('invalid');
    expect(r.verdict.srmLogE).toBeGreaterThan(Math.log(1000));
  });
});

describe('StepAnalysis: evidence that arrives after maxStepDuration', () => {
  // Regression: the reason said "too little canary traffic to reach 200 canary requests" while
  // hundreds had arrived and every test was accepted, only too late.
  it('holds as inconclusive and says the evidence came late, not that traffic was missing', () => {
    const policy = { ...DEFAULT_POLICY, minStepDurationMs: 1_000, maxStepDurationMs: 2_000, minSamples: 50, errorTolerance: 0.1, latencyQuantile: 0.9, latencyTolerance: 1 };
    const step = StepAnalysis.start(50, 0, policy);
    const baseline = new StableBaseline();
    for (let t = 3_000; t <= 60_000; t += 1_000) {
      const w = new TrafficWindow();
      // The same spread of latencies on both versions: identical distributions.
      for (let i = 0; i < 500; i++) w.canary.record(false, 5 + (i % 100) * 2);
      for (let i = 0; i < 500; i++) w.stable.record(false, 5 + ((i + 50) % 100) * 2);
      step.ingest(w, t, baseline);
      baseline.ingest(w, t);
    }
    const v = step.verdict(60_000);
    expect(v.outcome).toBe('inconclusive');
    expect(v.tests.every((t) => t.accepted)).toBe(true);
    expect(v.reason).toMatch(/only after maxStepDuration/);
  });
});
