import { describe, expect, it } from 'vitest';
import { BettingEProcess, ShadowStepAnalysis, ShadowWindow, StableBaseline, TrafficWindow, mismatchPayoffs, type AnalysisPolicy } from '../../../src/analysis/index.js';
import { seededRandom } from '../../../src/routing/traffic-split.js';

const POLICY: AnalysisPolicy = {
  minStepDurationMs: 1_000, maxStepDurationMs: 60_000, minSamples: 100, errorTolerance: 0.05,
  latencyQuantile: 0.9, latencyTolerance: 1, falseRollbackRate: 0.01, analysedSteps: 3,
};

/**
 * Feeds `seconds` of traffic, 4 drains a second of `perDrain` pairs each; `pair(i)` says what
 * happened to pair i. Stable's own traffic (the baseline) has the same latencies as its pairs.
 */
function run(pair: (i: number) => { mismatch?: boolean; canaryMs?: number; stableMs?: number; canaryFailed?: boolean }, seconds: number, perDrain = 25) {
  const step = new ShadowStepAnalysis(0, POLICY, 0.05);
  const baseline = new StableBaseline();
  let i = 0;
  for (let t = 250; t <= seconds * 1000; t += 250) {
    const w = new ShadowWindow();
    const traffic = new TrafficWindow();
    for (let k = 0; k < perDrain; k++, i++) {
      const p = pair(i);
      const stableMs = p.stableMs ?? 10 + (i % 10);
      traffic.stable.record(false, stableMs);
      if (p.canaryFailed) w.recordPair('error', true, false, p.canaryMs ?? 1000, stableMs);
      else w.recordPair(p.mismatch ? 'mismatch' : 'match', false, false, p.canaryMs ?? stableMs, stableMs);
    }
    baseline.ingest(traffic, t);
    step.ingest(w, t, baseline);
    if (step.outcome(t) === 'fail' || step.outcome(t) === 'pass') return { step, t };
  }
  return { step, t: seconds * 1000 };
}

describe('ShadowStepAnalysis', () => {
  it('reverts when a quarter of the answers differ, saying how many', () => {
    const { step, t } = run((i) => ({ mismatch: i % 4 === 0 }), 30);
    const v = step.verdict(t);
    expect(v.outcome).toBe('fail');
    expect(v.tests.find((x) => x.rejected)?.metric).toBe('mismatchRate');
    expect(v.reason).toMatch(/^\d+ of \d+ compared answers differed from stable's \(2\d%, tolerance 5%\) \(e-value \d+ ≥ 300\)$/);
    expect(v.pairs).toBeLessThan(300);
  });

  it('passes identical answers once every test has its evidence, minSamples and the minimum duration', () => {
    const { step, t } = run(() => ({}), 30);
    const v = step.verdict(t);
    expect(v.outcome, v.reason).toBe('pass');
    expect(t).toBeGreaterThanOrEqual(POLICY.minStepDurationMs);
    expect(v.matches).toBeGreaterThanOrEqual(POLICY.minSamples);
    expect(v.tests.every((x) => x.accepted)).toBe(true);
  });

  it('reverts a canary that is twice as slow on the same requests, on latency', () => {
    const { step, t } = run((i) => ({ canaryMs: 2 * (10 + (i % 10)) }), 30);
    const v = step.verdict(t);
    expect(v.outcome).toBe('fail');
    expect(v.tests.find((x) => x.rejected)?.metric).toMatch(/^latency/);
  });

  it('reverts a canary whose copies time out, on the paired error rate', () => {
    const { step, t } = run((i) => ({ canaryFailed: i % 3 === 0 }), 30);
    const v = step.verdict(t);
    expect(v.outcome).toBe('fail');
    expect(v.reason).toMatch(/canary failed \d+ of \d+ mirrored requests, stable 0 of the same requests/);
  });

  it('never passes while more than a tenth of the copies are dropped', () => {
    const step = new ShadowStepAnalysis(0, POLICY, 0.05);
    const baseline = new StableBaseline();
    for (let t = 250; t <= 10_000; t += 250) {
      const w = new ShadowWindow();
      const traffic = new TrafficWindow();
      for (let k = 0; k < 25; k++) {
        w.recordPair('match', false, false, 10 + (k % 10), 10 + (k % 10));
        traffic.stable.record(false, 10 + (k % 10));
      }
      baseline.ingest(traffic, t);
      for (let k = 0; k < 5; k++) w.recordDropped();
      step.ingest(w, t, baseline);
    }
    const v = step.verdict(10_000);
    expect(v.outcome).toBe('pending');
    expect(v.reason).toMatch(/17% of the copies were dropped/);
  });
});

describe('the mismatch e-processes', () => {
  const tolerance = 0.05;
  const alpha = 0.05;
  const p = mismatchPayoffs(tolerance);
  const revert = new BettingEProcess(p.revert);
  const advance = new BettingEProcess(p.advance);

  /** Share of 400 streams of 2,000 pairs at mismatch rate `rate` that revert, and that accept, checked every 10 pairs. */
  function simulate(rate: number, seed: number): { reverted: number; accepted: number } {
    const random = seededRandom(seed);
    let reverted = 0;
    let accepted = 0;
    for (let run = 0; run < 400; run++) {
      let mismatches = 0;
      let r = false;
      let a = false;
      for (let n = 1; n <= 2_000; n++) {
        if (random() < rate) mismatches++;
        if (n % 10 !== 0) continue;
        if (!r && revert.logE(mismatches, 0, n - mismatches) >= Math.log(1 / alpha)) r = true;
        if (!a && advance.logE(mismatches, 0, n - mismatches) >= Math.log(1 / alpha)) a = true;
      }
      if (r) reverted++;
      if (a) accepted++;
    }
    return { reverted: reverted / 400, accepted: accepted / 400 };
  }

  it('at exactly the tolerance, reverts and accepts at most about α each (Ville), checked as often as we like', () => {
    const at = simulate(tolerance, 14);
    expect(at.reverted).toBeLessThanOrEqual(alpha + 0.03);
    expect(at.accepted).toBeLessThanOrEqual(alpha + 0.03);
  });

  it('has the power to tell: at 3× the tolerance nearly all revert, at a fifth of it nearly all accept', () => {
    expect(simulate(3 * tolerance, 15).reverted).toBeGreaterThan(0.9);
    expect(simulate(tolerance / 5, 16).accepted).toBeGreaterThan(0.9);
  });
});
