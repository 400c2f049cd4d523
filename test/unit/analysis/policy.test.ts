import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANALYSIS_ERROR_CODES, AnalysisError } from '../../../src/analysis/errors.js';
import { latencyAdvanceSlack, latencyMarginBuckets, planStep, testedQuantiles, validatePolicy, validateWeight, type AnalysisPolicy } from '../../../src/analysis/policy.js';
import { DEFAULT_POLICY } from './sim.js';

function errorOf(fn: () => unknown): AnalysisError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof AnalysisError) return e;
    throw e;
  }
  return undefined;
}

describe('validatePolicy', () => {
  it('accepts the documented defaults', () => {
    expect(() => validatePolicy(DEFAULT_POLICY)).not.toThrow();
  });

  const bad: [keyof AnalysisPolicy, unknown][] = [
    ['minStepDurationMs', -1],
    ['maxStepDurationMs', 10_000],
    ['minSamples', 1.5],
    ['errorTolerance', 1],
    ['latencyQuantile', 1],
    ['latencyQuantile', 0],
    ['latencyTolerance', 0.02],
    ['falseRollbackRate', 0],
    ['analysedSteps', 0],
    ['missedRegressionRate', 1],
  ];
  for (const [field, value] of bad) {
    it(`names policy.${field} = ${String(value)} and the fix`, () => {
      const e = errorOf(() => validatePolicy({ ...DEFAULT_POLICY, [field]: value }));
      expect(e?.code).toBe('ANALYSIS_INVALID_POLICY');
      expect(e?.message).toContain(`policy.${field}`);
    });
  }
});

describe('planStep', () => {
  it('splits the false-rollback budget over the analysed steps', () => {
    const plan = planStep(5, DEFAULT_POLICY);
    expect(plan.weight).toBe(0.05);
    expect(plan.alphaStep).toBeCloseTo(0.002, 15);
    expect(plan.beta).toBe(0.05);
    expect(plan.quantiles).toEqual([0.5, 0.9, 0.99]);
    expect(plan.latencyMarginBuckets).toBe(2);
    expect(plan.latencyAdvanceSlack).toBeCloseTo(0.002, 15);
    expect(plan.errorMargin).toBe(0.005);
    expect(plan.checkSplit).toBe(true);
  });

  it('tightens both budgets tenfold and reports rather than enforces the split for sticky traffic', () => {
    const plan = planStep(5, { ...DEFAULT_POLICY, clusteredTraffic: true });
    expect(plan.alphaStep).toBeCloseTo(0.0002, 15);
    expect(plan.beta).toBeCloseTo(0.005, 15);
    expect(plan.checkSplit).toBe(false);
  });

  it('maps latency tolerance to whole buckets: 1.1^m1 ≈ 1 + tolerance', () => {
    expect(latencyMarginBuckets(0.2)).toBe(2);
    expect(latencyMarginBuckets(0.1)).toBe(1);
    expect(latencyMarginBuckets(0.05)).toBe(1);
    expect(latencyMarginBuckets(0.5)).toBe(4);
  });

  it('gives every latency advance test the slack tolerance × (1 − highest tested quantile)', () => {
    expect(latencyAdvanceSlack(0.2, [0.5, 0.9, 0.99])).toBeCloseTo(0.002, 15);
    expect(latencyAdvanceSlack(0.5, [0.5, 0.9, 0.999])).toBeCloseTo(0.0005, 15);
    // A configured quantile below p90 still gets the p90 tail's slack, not its own wider one.
    expect(planStep(5, { ...DEFAULT_POLICY, latencyQuantile: 0.75 }).latencyAdvanceSlack).toBeCloseTo(0.02, 15);
    expect(planStep(5, DEFAULT_POLICY).latencyAdvanceSlack).toBeGreaterThan(0);
  });

  it('does not test a quantile twice', () => {
    expect(testedQuantiles(0.9)).toEqual([0.5, 0.9]);
    expect(testedQuantiles(0.999)).toEqual([0.5, 0.9, 0.999]);
  });
});

describe('validateWeight', () => {
  it('accepts (0, 100] and names the fix otherwise', () => {
    expect(() => validateWeight(0.5)).not.toThrow();
    expect(() => validateWeight(100)).not.toThrow();
    for (const w of [0, -1, 100.5, Number.NaN]) expect(errorOf(() => validateWeight(w))?.code).toBe('ANALYSIS_INVALID_WEIGHT');
  });
});

describe('error catalogue', () => {
  it('documents every error code in docs/statistics.md', () => {
    const doc = readFileSync(new URL('../../../docs/statistics.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ANALYSIS_ERROR_CODES)) expect(doc).toContain(code);
  });
});
