import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, STABLE_LATENCY, runStep, type Scenario } from './sim.js';

// The revert null for the error rate is "canary ≤ stable + tolerance" (issue 3; DESIGN.md: the
// canary "may exceed baseline by this much"). With a zero revert margin, a canary 0.3 points worse
// than stable, inside the 0.5-point tolerance, was reverted within seconds at high traffic.
describe('error rate inside the tolerance', () => {
  const withinTolerance: Scenario = {
    rate: () => 10_000,
    stable: () => ({ failureRate: 0.001, latency: STABLE_LATENCY }),
    canary: () => ({ failureRate: 0.004, latency: STABLE_LATENCY }),
  };

  it('is not reverted, even at 10,000 req/s over ten minutes (≤ α of runs)', () => {
    let reverted = 0;
    const runs = 40;
    for (let seed = 1; seed <= runs; seed++) {
      const { verdict } = runStep(seed, 5, DEFAULT_POLICY, withinTolerance, 600, false);
      if (verdict.outcome === 'fail') reverted++;
    }
    expect(reverted).toBe(0);
  });

  it('a canary clearly past the tolerance is still reverted', () => {
    const past: Scenario = { ...withinTolerance, canary: () => ({ failureRate: 0.021, latency: STABLE_LATENCY }) };
    for (let seed = 1; seed <= 10; seed++) expect(runStep(seed, 5, DEFAULT_POLICY, past, 120).verdict.outcome).toBe('fail');
  });
});
