import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AnalysisError } from '../../../src/analysis/errors.js';
import { BET_GRID_SIZE, BettingEProcess, advancePayoffs, revertPayoffs, type BetPayoffs } from '../../../src/analysis/eprocess.js';

type Outcome = 0 | 1 | 2; // canary event, stable event, neither

/** Direct product Π(1 + λ_j Z_i) over the sequence, averaged over the grid: no logs, no counts. */
function directEValue(bet: BettingEProcess, seq: Outcome[]): number {
  const z = [bet.payoffs.canaryEvent, bet.payoffs.stableEvent, bet.payoffs.noEvent];
  let mean = 0;
  for (let j = 0; j < BET_GRID_SIZE; j++) {
    let wealth = 1;
    for (const o of seq) wealth *= 1 + bet.lambdas[j]! * z[o]!;
    mean += wealth / BET_GRID_SIZE;
  }
  return mean;
}

const counts = (seq: Outcome[]): [number, number, number] => [seq.filter((o) => o === 0).length, seq.filter((o) => o === 1).length, seq.filter((o) => o === 2).length];

describe('BettingEProcess', () => {
  it('has the grid of ANALYSIS.md: λ_j = 0.8·λmax·2^-j with λmax = 1/(r0/(1−w) + d0)', () => {
    const bet = new BettingEProcess(revertPayoffs(0.05, 1, 0.002));
    expect(bet.lambdaMax).toBeCloseTo(1 / (1 / 0.95 + 0.002), 14);
    expect(bet.lambdas[0]).toBeCloseTo(0.8 * bet.lambdaMax, 14);
    expect(bet.lambdas[15]).toBeCloseTo(0.8 * bet.lambdaMax * 2 ** -15, 18);
    const adv = new BettingEProcess(advancePayoffs(0.05, 1, 0.005));
    expect(adv.lambdaMax).toBeCloseTo(1 / (1 / 0.05 - 0.005), 14);
  });

  it('matches a hand computation at w = 1/2', () => {
    // Z = +2 for a canary failure, −2 for a stable failure, 0 otherwise; λmax = 1/2.
    const bet = new BettingEProcess(revertPayoffs(0.5, 1, 0));
    let expected = 0;
    for (let j = 0; j < 16; j++) {
      const lambda = 0.4 * 2 ** -j;
      expected += ((1 + 2 * lambda) ** 3 * (1 - 2 * lambda)) / 16;
    }
    expect(Math.exp(bet.logE(3, 1, 10))).toBeCloseTo(expected, 12);
    expect(Math.exp(bet.logE(3, 0, 0))).toBeCloseTo(
      Array.from({ length: 16 }, (_, j) => (1 + 0.8 * 2 ** -j) ** 3).reduce((a, b) => a + b) / 16,
      12,
    );
  });

  it('closed form in counts equals the direct product over any sequence of Z_i (both sides)', () => {
    const side = fc.record({
      w: fc.double({ min: 0.005, max: 0.95, noNaN: true }),
      r: fc.double({ min: 0.5, max: 2, noNaN: true }),
      d: fc.double({ min: 0, max: 0.05, noNaN: true }),
      advance: fc.boolean(),
    });
    fc.assert(
      fc.property(side, fc.array(fc.constantFrom<Outcome>(0, 1, 2), { maxLength: 60 }), ({ w, r, d, advance }, seq) => {
        const payoffs: BetPayoffs = advance ? advancePayoffs(w, r, d) : revertPayoffs(w, r, d);
        const bet = new BettingEProcess(payoffs);
        const [x, y, o] = counts(seq);
        const direct = directEValue(bet, seq);
        expect(Math.abs(Math.exp(bet.logE(x, y, o)) - direct)).toBeLessThan(1e-9 * Math.max(1, direct));
      }),
    );
  });

  it('is a fair bet on the null boundary: E[1 + λZ] = 1 for every λ on the grid', () => {
    const w = 0.05;
    const pb = 0.02;
    for (const [payoffs, pc] of [
      [revertPayoffs(w, 1, 0), pb],
      [revertPayoffs(w, 1.2, 0.01), 1.2 * pb + 0.01],
      [advancePayoffs(w, 1, 0.005), pb + 0.005],
    ] as const) {
      const bet = new BettingEProcess(payoffs);
      const pCanaryEvent = w * pc;
      const pStableEvent = (1 - w) * pb;
      for (const lambda of bet.lambdas) {
        const mean =
          pCanaryEvent * (1 + lambda * payoffs.canaryEvent) +
          pStableEvent * (1 + lambda * payoffs.stableEvent) +
          (1 - pCanaryEvent - pStableEvent) * (1 + lambda * payoffs.noEvent);
        expect(mean).toBeCloseTo(1, 12);
      }
    }
  });

  it('keeps every factor at least 0.2, so wealth never hits zero', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 0.2, noNaN: true }), (w, d) => {
        for (const p of [revertPayoffs(w, 1, d), advancePayoffs(w, 1, d)]) {
          const bet = new BettingEProcess(p);
          const worst = Math.min(p.canaryEvent, p.stableEvent, p.noEvent);
          expect(1 + bet.lambdas[0]! * worst).toBeCloseTo(0.2, 9);
        }
      }),
    );
  });

  it('starts at e-value 1 and refuses a bet without a losing outcome', () => {
    expect(new BettingEProcess(revertPayoffs(0.1, 1, 0)).logE(0, 0, 0)).toBe(0);
    expect(() => new BettingEProcess({ canaryEvent: 1, stableEvent: 0, noEvent: 0 })).toThrow(AnalysisError);
  });

  it('at d0 = 0 grows only with the canary share of events (Wald on the split of events)', () => {
    const bet = new BettingEProcess(revertPayoffs(0.1, 1, 0));
    expect(bet.logE(5, 20, 0)).toBe(bet.logE(5, 20, 1_000_000));
    expect(bet.logE(10, 10, 0)).toBeGreaterThan(Math.log(100));
    expect(bet.logE(1, 9, 0)).toBeLessThan(0.1);
  });
});
