/** A source of uniform random numbers in [0, 1); injected so tests can seed it. */
export type RandomSource = () => number;

/**
 * The weighted choice: an independent draw per request, canary with probability
 * weight/100. The analysis treats each step as a randomised experiment, so no
 * round-robin and no hashing here (ANALYSIS.md).
 */
export function drawsCanary(weightPercent: number, random: RandomSource): boolean {
  // weight 0 never picks canary (random() * 100 < 0 is false); weight 100 always does (random() < 1).
  return random() * 100 < weightPercent;
}

/** mulberry32: a small, fast, seedable PRNG for tests and simulations. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
