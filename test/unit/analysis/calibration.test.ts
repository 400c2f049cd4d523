/**
 * Null calibration on simulated traffic: a canary as good as stable must be reverted in at most
 * α of runs, however the load moves and even through an incident that hits both versions; and a
 * canary exactly at the tolerance must be accepted in at most β of runs. Budgets are loosened
 * (α = 10 %) where the point is to see the bound bite with a few hundred runs.
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisPolicy } from '../../../src/analysis/policy.js';
import { DEFAULT_POLICY, STABLE_LATENCY, lognormalBuckets, runStep, type Scenario, type VersionModel } from './sim.js';

const LOOSE: AnalysisPolicy = { ...DEFAULT_POLICY, falseRollbackRate: 0.1, analysedSteps: 1 };
const NORMAL: VersionModel = { failureRate: 0.001, latency: STABLE_LATENCY };
const INCIDENT: VersionModel = { failureRate: 0.08, latency: lognormalBuckets(60, 400) };

function wavyLoad(mean: number, phase: number): (t: number) => number {
  return (t) => mean * (1 + 0.4 * Math.sin((2 * Math.PI * (t + phase)) / 240));
}

function revertRate(runs: number, seed0: number, weight: number, policy: AnalysisPolicy, scenario: (run: number) => Scenario, horizonS: number): number {
  let reverts = 0;
  for (let r = 0; r < runs; r++) if (runStep(seed0 + r, weight, policy, scenario(r), horizonS, false).verdict.outcome === 'fail') reverts++;
  return reverts / runs;
}

describe('null calibration: a healthy canary is rarely reverted', () => {
  it('stays under α = 10 % with time-varying load, at 5 % weight, checked every second for 5 minutes', () => {
    const rate = revertRate(300, 1_000, 5, LOOSE, (r) => ({ rate: wavyLoad(800, r * 37), stable: () => NORMAL, canary: () => NORMAL }), 300);
    expect(rate).toBeLessThanOrEqual(0.1);
  });

  it('stays under α = 10 % through an incident that hits both versions', () => {
    const during = (t: number): VersionModel => (t >= 10 && t < 130 ? INCIDENT : NORMAL);
    const rate = revertRate(300, 2_000, 10, LOOSE, (r) => ({ rate: wavyLoad(600, r * 53), stable: during, canary: during }), 200);
    expect(rate).toBeLessThanOrEqual(0.1);
  });

  it('stays under α = 10 % at 1 % and 50 % weight', () => {
    const flat = (): Scenario => ({ rate: () => 1500, stable: () => NORMAL, canary: () => NORMAL });
    expect(revertRate(150, 3_000, 1, LOOSE, flat, 200)).toBeLessThanOrEqual(0.1);
    expect(revertRate(150, 4_000, 50, LOOSE, flat, 200)).toBeLessThanOrEqual(0.1);
  });

  it('with the default budget (α_step = 0.2 %), reverts no healthy canary in 300 runs', () => {
    const during = (t: number): VersionModel => (t >= 20 && t < 140 ? INCIDENT : NORMAL);
    const rate = revertRate(300, 5_000, 5, DEFAULT_POLICY, (r) => ({ rate: wavyLoad(1000, r * 11), stable: during, canary: during }), 200);
    expect(rate).toBeLessThanOrEqual(1 / 300);
  });
});

describe('advance calibration: a canary exactly at the tolerance is rarely accepted', () => {
  const beta = 0.05;

  function acceptedRate(runs: number, seed0: number, canary: VersionModel, metric: string): number {
    let accepted = 0;
    for (let r = 0; r < runs; r++) {
      const scenario: Scenario = { rate: () => 2000, stable: () => NORMAL, canary: () => canary };
      const v = runStep(seed0 + r, 10, DEFAULT_POLICY, scenario, 240, false).verdict;
      if (v.tests.find((t) => t.metric === metric)?.accepted === true) accepted++;
    }
    return accepted / runs;
  }

  it('error rate worse by exactly the tolerance (0.1 % → 0.6 %)', () => {
    expect(acceptedRate(200, 6_000, { failureRate: 0.006, latency: STABLE_LATENCY }, 'errorRate')).toBeLessThanOrEqual(beta);
  });

  it('latency 21 % slower everywhere (exactly the 2-bucket margin)', () => {
    const slower = lognormalBuckets(20 * 1.21, 120 * 1.21);
    expect(acceptedRate(200, 7_000, { failureRate: 0.001, latency: slower }, 'latencyQ')).toBeLessThanOrEqual(beta);
  });
});
