import { describe, expect, it } from 'vitest';
import { drawsCanary, seededRandom } from '../../../src/routing/traffic-split.js';

const DRAWS = 200_000;

/** Canary count over n seeded draws, and the binomial 5-sigma band around the expected count. */
function observe(weight: number, seed: number, n = DRAWS) {
  const random = seededRandom(seed);
  let canary = 0;
  for (let i = 0; i < n; i++) if (drawsCanary(weight, random)) canary++;
  const p = weight / 100;
  const sigma = Math.sqrt(n * p * (1 - p));
  return { canary, expected: n * p, band: 5 * sigma };
}

describe('drawsCanary', () => {
  it.each([0.5, 30, 50, 99.5])('at %d %% the observed share is within the binomial 5-sigma band', (weight) => {
    for (const seed of [1, 2, 3]) {
      const { canary, expected, band } = observe(weight, seed);
      expect(Math.abs(canary - expected), `seed ${seed}: ${canary} vs ${expected} ± ${band}`).toBeLessThanOrEqual(band);
    }
  });

  it('weight 0 never draws canary, even when random() returns 0', () => {
    expect(observe(0, 7).canary).toBe(0);
    expect(drawsCanary(0, () => 0)).toBe(false);
  });

  it('weight 100 always draws canary, even at the top of [0, 1)', () => {
    expect(observe(100, 7).canary).toBe(DRAWS);
    expect(drawsCanary(100, () => 0.999_999_999_999)).toBe(true);
  });

  it('is an independent draw: consecutive requests are not correlated (no round-robin)', () => {
    // At 50 %, P(canary | previous canary) must be about 1/2; round-robin would make it 0.
    const random = seededRandom(11);
    let prev = drawsCanary(50, random);
    let afterCanary = 0;
    let canaryAfterCanary = 0;
    for (let i = 0; i < DRAWS; i++) {
      const cur = drawsCanary(50, random);
      if (prev) {
        afterCanary++;
        if (cur) canaryAfterCanary++;
      }
      prev = cur;
    }
    const band = 5 * Math.sqrt(afterCanary * 0.25);
    expect(Math.abs(canaryAfterCanary - afterCanary / 2)).toBeLessThanOrEqual(band);
  });
});

describe('seededRandom', () => {
  it('is reproducible and in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 1_000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('different seeds give different sequences', () => {
    expect(seededRandom(1)()).not.toBe(seededRandom(2)());
  });
});
