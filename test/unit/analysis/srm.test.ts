import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../../../src/analysis/errors.js';
import { lnBeta } from '../../../src/analysis/special.js';
import { srmLogE } from '../../../src/analysis/srm.js';
import { seededRandom } from '../../../src/routing/traffic-split.js';
import { binomial } from './sim.js';

describe('srmLogE (sample-ratio mismatch)', () => {
  it('is the beta-binomial formula of ANALYSIS.md', () => {
    const w = 0.05;
    const expected = lnBeta(5 + 40, 95 + 960) - lnBeta(5, 95) - 40 * Math.log(w) - 960 * Math.log(1 - w);
    expect(srmLogE(40, 960, w)).toBeCloseTo(expected, 10);
    expect(srmLogE(0, 0, w)).toBe(0);
  });

  it('stays low on an exact split and grows without bound on a broken one', () => {
    expect(srmLogE(50_000, 950_000, 0.05)).toBeLessThan(0);
    expect(srmLogE(40_000, 960_000, 0.05)).toBeGreaterThan(Math.log(1e6));
    expect(srmLogE(60, 940, 0.05)).toBeLessThan(Math.log(1000));
  });

  it('is numerically stable at millions of requests', () => {
    const v = srmLogE(5_000_000, 95_000_000, 0.05);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeLessThan(0);
  });

  it('crosses 1/α on a healthy split in at most α of runs, however often it is checked', () => {
    const rand = seededRandom(7);
    const alpha = 0.05;
    let crossed = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      let nc = 0;
      let nb = 0;
      for (let t = 0; t < 300; t++) {
        const c = binomial(rand, 200, 0.1);
        nc += c;
        nb += 200 - c;
        if (srmLogE(nc, nb, 0.1) >= Math.log(1 / alpha)) {
          crossed++;
          break;
        }
      }
    }
    expect(crossed / runs).toBeLessThanOrEqual(alpha);
  });

  it('rejects weights outside (0, 1)', () => {
    expect(() => srmLogE(1, 1, 0)).toThrow(AnalysisError);
    expect(() => srmLogE(1, 1, 1)).toThrow(AnalysisError);
  });
});
