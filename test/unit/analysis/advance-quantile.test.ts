/**
 * The advance side of issue 15, item 4: "canary's q-quantile ≤ (1 + tolerance) × stable's", bet
 * with a predictable Kelly bet. Where the threshold falls (quantileThreshold), the bet (kellyBet),
 * validity on the null boundary (≤ β accepted), power, and the failing scenario.
 */
import { describe, expect, it } from 'vitest';
import { countAbove, bucketUpperBoundMs, LATENCY_BUCKET_COUNT } from '../../../src/analysis/histogram.js';
import { kellyBet, KELLY_CAP } from '../../../src/analysis/predictable-bet.js';
import { emptyThreshold, quantileThreshold, type QuantileThreshold } from '../../../src/analysis/quantile-threshold.js';
import type { AnalysisPolicy } from '../../../src/analysis/policy.js';
import type { TestEvidence } from '../../../src/analysis/verdict.js';
import { DEFAULT_POLICY, STABLE_LATENCY, lognormalBuckets, pointMassBuckets, runStep, uniformBuckets, type Scenario, type VersionModel } from './sim.js';

const counts = (probs: Float64Array, n = 1e6): Float64Array => probs.map((p) => Math.round(p * n));
const level = (t: QuantileThreshold): number => t.pastAboveStable + t.stableFractionAbove * t.pastInStable;
const bucketPosition = (ms: number): number => Math.log(ms / 5) / Math.log(1.1);

describe('quantileThreshold: where (1 + tolerance) × stable’s quantile falls', () => {
  it('on a lognormal service: the bound nearest 1.2 × q_b, against stable’s rate above B / 1.2 ≈ 1 − q', () => {
    const t = quantileThreshold(counts(STABLE_LATENCY), 0.99, 0.2, emptyThreshold());
    // The interpolated p99 lies inside its bucket and near the model's 120 ms.
    expect(t.quantileMs).toBeGreaterThan(bucketUpperBoundMs(t.quantileBucket - 1));
    expect(t.quantileMs).toBeLessThanOrEqual(bucketUpperBoundMs(t.quantileBucket));
    expect(Math.abs(t.quantileMs / 120 - 1)).toBeLessThan(0.02);
    expect(t.eventBucket).toBe(Math.round(bucketPosition(1.2 * t.quantileMs)));
    // Exact-tolerance form: stable's side sits 1.2× below B, a fractional bucket.
    expect(t.stableBucket - t.stableFractionAbove).toBeCloseTo(t.eventBucket - Math.log(1.2) / Math.log(1.1), 12);
    expect(level(t)).toBeGreaterThan(0.01 / 1.2);
    expect(level(t)).toBeLessThan(0.01 * 1.2);
  });

  it('on a hard edge inside a bucket (10–14 ms), keeps the level at exactly 1 − q at p90 and p99', () => {
    for (const q of [0.9, 0.99]) {
      const t = quantileThreshold(counts(uniformBuckets(10, 14)), q, 0.2, emptyThreshold());
      expect(t.stableBucket).toBe(t.quantileBucket);
      expect(level(t)).toBeCloseTo(1 - q, 6);
      // 1.2 × p99 ≈ 16.8 ms: nothing of this service is above B.
      expect(t.pastAboveEvent).toBe(0);
    }
  });

  it('takes a quantile in bucket 0 (all ≤ 5 ms) as 5 ms, with the level 1 − q', () => {
    const t = quantileThreshold(counts(pointMassBuckets([[1, 2]])), 0.99, 0.2, emptyThreshold());
    expect(t.quantileMs).toBe(5);
    expect(t.eventBucket).toBe(2);
    expect(level(t)).toBeCloseTo(0.01, 12);
  });

  it('gives no threshold without past traffic, or when the quantile overflows', () => {
    expect(quantileThreshold(new Float64Array(LATENCY_BUCKET_COUNT), 0.99, 0.2, emptyThreshold()).eventBucket).toBe(-1);
    const overflow = new Float64Array(LATENCY_BUCKET_COUNT);
    overflow[LATENCY_BUCKET_COUNT - 1] = 10;
    expect(quantileThreshold(overflow, 0.5, 0.2, emptyThreshold()).eventBucket).toBe(-1);
  });
});

describe('kellyBet', () => {
  it('is the likelihood-ratio bet for one Bernoulli: λ = (p0 − p) / (p0·(1 − p0))', () => {
    const p0 = 0.01;
    for (const p of [0.002, 0.005, 0.008]) {
      expect(kellyBet([p0 - 1, p0], [p, 1 - p])).toBeCloseTo((p0 - p) / (p0 * (1 - p0)), 9);
    }
  });

  it('stops at KELLY_CAP·λmax when no losing outcome is expected, and bets nothing without an edge', () => {
    expect(kellyBet([-10, 0.5, 0], [0, 0.3, 0.7])).toBeCloseTo(KELLY_CAP / 10, 12);
    expect(kellyBet([-10, 1, 0], [0.1, 0.5, 0.4])).toBe(0);
    expect(() => kellyBet([1, 2], [0.5, 0.5])).toThrow(/negative payoff/);
  });
});

// α_step underflows to 0: no run is cut short by a revert, so late acceptances are all seen.
const ADVANCE_ONLY: AnalysisPolicy = { ...DEFAULT_POLICY, falseRollbackRate: Number.MIN_VALUE };
const BETA = 0.05;
// Ville bounds the share by β; Kelly bets come close to it, so 200 runs are held to β plus two standard errors.
const BETA_WITH_NOISE = BETA + 2 * Math.sqrt((BETA * (1 - BETA)) / 200);

function acceptedShare(runs: number, seed0: number, stable: VersionModel, canary: VersionModel, metric: string): number {
  let accepted = 0;
  for (let r = 0; r < runs; r++) {
    const scenario: Scenario = { rate: () => 2000, stable: () => stable, canary: () => canary };
    const v = runStep(seed0 + r, 10, ADVANCE_ONLY, scenario, 240, false).verdict;
    if (v.tests.find((t) => t.metric === metric)!.accepted) accepted++;
  }
  return accepted / runs;
}

describe('validity: a canary on the advance null boundary is accepted in at most β of runs', () => {
  it('exact-tolerance form, lognormal service: canary rate above B equal to stable’s above B / 1.2', () => {
    const t = quantileThreshold(counts(STABLE_LATENCY), 0.99, 0.2, emptyThreshold());
    const boundary = level(t);
    const above = countAbove(STABLE_LATENCY, t.eventBucket);
    // Stable's latencies, with a share x moved just past B: P_c(> B) = (1 − x)·above + x = boundary.
    const x = (boundary - above) / (1 - above);
    const latency = STABLE_LATENCY.map((p) => p * (1 - x));
    latency[t.eventBucket + 1]! += x;
    const share = acceptedShare(200, 21_000, { failureRate: 0.001, latency: STABLE_LATENCY }, { failureRate: 0.001, latency }, 'latencyQ');
    expect(share).toBeLessThanOrEqual(BETA_WITH_NOISE);
  });

  it('exact-level form, two-point service: 1 % of canary requests past B, stable’s p99 mid-bucket', () => {
    // Stable: 98 % at bucket 10, 2 % at bucket 20, so p99 is half-way into bucket 20 and the level is
    // half of that bucket's 2 %; B is bound 21. The canary puts exactly 1 % past it.
    const stable = { failureRate: 0.001, latency: pointMassBuckets([[0.98, bucketUpperBoundMs(10)], [0.02, bucketUpperBoundMs(20)]]) };
    const canary = { failureRate: 0.001, latency: pointMassBuckets([[0.99, bucketUpperBoundMs(10)], [0.01, bucketUpperBoundMs(22)]]) };
    const t = quantileThreshold(counts(stable.latency), 0.99, 0.2, emptyThreshold());
    expect([t.eventBucket, t.stableBucket]).toEqual([21, 20]);
    expect(acceptedShare(200, 22_000, stable, canary, 'latencyQ')).toBeLessThanOrEqual(BETA_WITH_NOISE);
  });
});

function acceptedAt(v: { tests: TestEvidence[] }, metric: string): number {
  return v.tests.find((t) => t.metric === metric)!.acceptedAtCanaryRequests ?? Number.POSITIVE_INFINITY;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(s.length / 2) - 1]!;
}

describe('power: a healthy canary is shown within tolerance close to the fixed-sample oracle', () => {
  it('lognormal service at 1,000 req/s and 5 %: p99 accepted in a median within 2.2 × the oracle of 1,049 canary requests', () => {
    const m: VersionModel = { failureRate: 0.001, latency: STABLE_LATENCY };
    const at: number[] = [];
    for (let r = 0; r < 40; r++) at.push(acceptedAt(runStep(23_000 + r, 5, ADVANCE_ONLY, { rate: () => 1000, stable: () => m, canary: () => m }, 120, false).verdict, 'latencyQ'));
    expect(median(at)).toBeLessThanOrEqual(2.2 * 1049);
  });
});

describe('issue 15: healthy canaries at moderate traffic took far too long to promote', () => {
  const service: VersionModel = { failureRate: 0.001, latency: uniformBuckets(10, 14) };
  const policy: AnalysisPolicy = { ...DEFAULT_POLICY, latencyQuantile: 0.99, latencyTolerance: 0.2 };
  const scenario: Scenario = { rate: () => 300, stable: () => service, canary: () => service };

  it('promotes a healthy 10–14 ms canary at 300 req/s and 10 % with p99 tolerance 20 % (was still pending after 4,300 canary requests)', () => {
    const p99: number[] = [];
    const passedAt: number[] = [];
    for (let r = 0; r < 20; r++) {
      const { verdict, atSecond } = runStep(24_000 + r, 10, policy, scenario, 143);
      expect(verdict.outcome).toBe('pass');
      passedAt.push(atSecond);
      p99.push(acceptedAt(verdict, 'latencyQ'));
    }
    // The 30 s minimum step duration is 900 canary requests here; the error rate (oracle 498) is now the slowest test.
    expect(median(passedAt)).toBeLessThanOrEqual(45);
    // Oracle for p99 (nothing above 1.2 × 14 ms): 299 canary requests; 1.5 × that is 449.
    expect(median(p99)).toBeLessThanOrEqual(449);
    expect(Math.max(...p99)).toBeLessThanOrEqual(600);
  });
});

describe('regressions past the tolerance are not promoted when both versions move within the step', () => {
  const P99_X15 = lognormalBuckets(20, 180);
  const cases: [string, (t: number) => VersionModel, (t: number) => VersionModel][] = [
    [
      'both 30 % faster from 20 s on (the ring still holds the slower stable)',
      (t) => ({ failureRate: 0.001, latency: t >= 20 ? lognormalBuckets(14, 84) : STABLE_LATENCY }),
      (t) => ({ failureRate: 0.001, latency: t >= 20 ? lognormalBuckets(14, 126) : P99_X15 }),
    ],
    [
      'an incident makes both 3× slower from 20 s to 140 s',
      (t) => ({ failureRate: 0.001, latency: t >= 20 && t < 140 ? lognormalBuckets(60, 400) : STABLE_LATENCY }),
      (t) => ({ failureRate: 0.001, latency: t >= 20 && t < 140 ? lognormalBuckets(60, 600) : P99_X15 }),
    ],
  ];
  for (const [name, stable, canary] of cases) {
    it(`p99 × 1.5: never accepted at p99, ${name}`, () => {
      for (let r = 0; r < 40; r++) {
        const v = runStep(25_000 + r, 5, ADVANCE_ONLY, { rate: () => 1000, stable, canary }, 240, false).verdict;
        expect(v.tests.find((t) => t.metric === 'latencyQ')!.accepted).toBe(false);
      }
    });
  }
});
