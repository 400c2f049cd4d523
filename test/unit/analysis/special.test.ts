import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AnalysisError } from '../../../src/analysis/errors.js';
import { lnBeta, lnGamma, logMeanExp } from '../../../src/analysis/special.js';

describe('lnGamma (Lanczos)', () => {
  it('matches factorials and Γ(1/2) = √π', () => {
    let fact = 1;
    for (let n = 1; n <= 20; n++) {
      expect(lnGamma(n)).toBeCloseTo(Math.log(fact), 10);
      fact *= n;
    }
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(lnGamma(0.01)).toBeCloseTo(4.599479878042022, 10);
  });

  it('satisfies Γ(x+1) = x·Γ(x) across the range the split check uses', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1e7, noNaN: true }), (x) => {
        const lhs = lnGamma(x + 1);
        expect(Math.abs(lhs - (lnGamma(x) + Math.log(x)))).toBeLessThan(1e-9 * Math.max(1, Math.abs(lhs)));
      }),
    );
  });

  it('agrees with Stirling for large x', () => {
    const x = 1e6;
    const stirling = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x);
    expect(lnGamma(x)).toBeCloseTo(stirling, 6);
  });

  it('refuses x ≤ 0 with a typed error', () => {
    expect(() => lnGamma(0)).toThrow(AnalysisError);
    expect(() => lnGamma(-1)).toThrow(AnalysisError);
    expect(() => lnGamma(Number.NaN)).toThrow(AnalysisError);
  });
});

describe('lnBeta', () => {
  it('is symmetric and matches B(2,3) = 1/12', () => {
    expect(lnBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 12);
    expect(lnBeta(0.3, 7.5)).toBeCloseTo(lnBeta(7.5, 0.3), 12);
    expect(lnBeta(1, 1)).toBeCloseTo(0, 12);
  });
});

describe('logMeanExp', () => {
  it('equals the naive formula where that does not overflow, and survives where it does', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 16 }), (xs) => {
        const naive = Math.log(xs.reduce((s, x) => s + Math.exp(x), 0) / xs.length);
        expect(logMeanExp(xs)).toBeCloseTo(naive, 9);
      }),
    );
    expect(logMeanExp([1000, 1000])).toBeCloseTo(1000, 12);
    expect(logMeanExp([-1e6, 0])).toBeCloseTo(Math.log(0.5), 12);
    expect(logMeanExp([Number.NEGATIVE_INFINITY])).toBe(Number.NEGATIVE_INFINITY);
    expect(() => logMeanExp([])).toThrow(AnalysisError);
  });
});
