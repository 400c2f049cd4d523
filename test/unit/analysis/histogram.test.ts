import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AnalysisError } from '../../../src/analysis/errors.js';
import {
  LATENCY_BUCKET_COUNT,
  OVERFLOW_BUCKET,
  bucketUpperBoundMs,
  countAbove,
  formatBucketBound,
  latencyBucket,
  quantileBucket,
} from '../../../src/analysis/histogram.js';

describe('latencyBucket', () => {
  it('puts everything up to 5 ms, and unusable readings, in bucket 0', () => {
    for (const ms of [0, 1, 4.999, 5, -3, Number.NaN, Number.NEGATIVE_INFINITY]) expect(latencyBucket(ms)).toBe(0);
  });

  it('follows ceil(log(ms/5)/log 1.1) away from the bounds', () => {
    expect(latencyBucket(5.0001)).toBe(1);
    expect(latencyBucket(5.5)).toBe(1);
    expect(latencyBucket(5.5001)).toBe(2);
    expect(latencyBucket(20)).toBe(Math.ceil(Math.log(4) / Math.log(1.1)));
    expect(latencyBucket(120)).toBe(Math.ceil(Math.log(24) / Math.log(1.1)));
  });

  it('treats each upper bound as inclusive, to the last bit', () => {
    for (let k = 0; k < OVERFLOW_BUCKET; k++) {
      const bound = bucketUpperBoundMs(k);
      expect(latencyBucket(bound)).toBe(k);
      expect(latencyBucket(bound * (1 + 2 ** -50))).toBe(k + 1);
    }
  });

  it('sends everything past about 5.3 s to the overflow bucket', () => {
    expect(bucketUpperBoundMs(73)).toBeCloseTo(5 * 1.1 ** 73, 6);
    expect(bucketUpperBoundMs(73)).toBeGreaterThan(5200);
    expect(latencyBucket(bucketUpperBoundMs(73) + 0.01)).toBe(OVERFLOW_BUCKET);
    expect(latencyBucket(1e12)).toBe(OVERFLOW_BUCKET);
    expect(latencyBucket(Number.POSITIVE_INFINITY)).toBe(OVERFLOW_BUCKET);
    expect(bucketUpperBoundMs(OVERFLOW_BUCKET)).toBe(Number.POSITIVE_INFINITY);
  });

  it('places any latency between its bucket bounds and is monotone', () => {
    fc.assert(
      fc.property(fc.double({ min: 5.000001, max: 6000, noNaN: true }), fc.double({ min: 0, max: 6000, noNaN: true }), (ms, other) => {
        const k = latencyBucket(ms);
        expect(k).toBeGreaterThanOrEqual(1);
        expect(ms).toBeLessThanOrEqual(bucketUpperBoundMs(k));
        expect(ms).toBeGreaterThan(bucketUpperBoundMs(k - 1));
        if (other <= ms) expect(latencyBucket(other)).toBeLessThanOrEqual(k);
      }),
    );
  });
});

describe('bucketUpperBoundMs', () => {
  it('rejects indices outside 0..74 with a typed error', () => {
    for (const k of [-1, LATENCY_BUCKET_COUNT, 1.5, Number.NaN]) {
      expect(() => bucketUpperBoundMs(k)).toThrow(AnalysisError);
      try {
        bucketUpperBoundMs(k);
      } catch (e) {
        expect((e as AnalysisError).code).toBe('ANALYSIS_BUCKET_OUT_OF_RANGE');
      }
    }
  });

  it('formats bounds for operators', () => {
    expect(formatBucketBound(0)).toBe('5.0 ms');
    expect(formatBucketBound(OVERFLOW_BUCKET)).toBe('over 5.3 s');
    expect(formatBucketBound(72)).toMatch(/ s$/);
  });
});

describe('quantileBucket and countAbove', () => {
  const hist = new Uint32Array(LATENCY_BUCKET_COUNT);
  hist[2] = 50;
  hist[3] = 40;
  hist[10] = 9;
  hist[20] = 1;

  it('finds the smallest bucket whose cumulative share reaches q', () => {
    expect(quantileBucket(hist, 0.5)).toBe(2);
    expect(quantileBucket(hist, 0.51)).toBe(3);
    expect(quantileBucket(hist, 0.9)).toBe(3);
    expect(quantileBucket(hist, 0.99)).toBe(10);
    expect(quantileBucket(hist, 0.995)).toBe(20);
    expect(quantileBucket(new Uint32Array(LATENCY_BUCKET_COUNT), 0.5)).toBe(-1);
  });

  it('counts requests strictly above a bucket', () => {
    expect(countAbove(hist, -1)).toBe(100);
    expect(countAbove(hist, 2)).toBe(50);
    expect(countAbove(hist, 10)).toBe(1);
    expect(countAbove(hist, OVERFLOW_BUCKET)).toBe(0);
    expect(countAbove(hist, 200)).toBe(0);
  });
});
