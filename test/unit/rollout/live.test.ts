import { describe, expect, it } from 'vitest';
import { TrafficWindow } from '../../../src/analysis/index.js';
import { LiveStats, quantileMs } from '../../../src/rollout/live.js';

describe('live stats', () => {
  it('computes rate, error rate and quantiles over the last 10 s only', () => {
    const live = new LiveStats();
    const w = new TrafficWindow();
    for (let i = 0; i < 100; i++) w.stable.record(i < 5, 20);
    for (let s = 0; s < 30; s++) live.add(w, s * 1000);
    const now = 29_999;
    const sum = live.summary(now);
    expect(sum.stable.rps).toBeCloseTo(100, 0);
    expect(sum.stable.errorRate).toBeCloseTo(0.05, 5);
    expect(sum.stable.p50Ms).toBeGreaterThan(18);
    expect(sum.stable.p50Ms).toBeLessThanOrEqual(20.5);
    expect(sum.canary).toEqual({ rps: 0, errorRate: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0 });
    // Nothing for 20 s: the old seconds fall out of the span.
    expect(live.summary(now + 20_000).stable.rps).toBe(0);
  });

  it('interpolates inside a bucket', () => {
    const h = new Array<number>(75).fill(0);
    h[0] = 10;
    expect(quantileMs(h, 10, 0.5)).toBe(2.5);
    expect(quantileMs(h, 0, 0.5)).toBe(0);
  });
});
