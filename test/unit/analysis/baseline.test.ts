import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../../../src/analysis/errors.js';
import { latencyBucket } from '../../../src/analysis/histogram.js';
import { BASELINE_SECONDS, StableBaseline } from '../../../src/analysis/baseline.js';
import { TrafficWindow } from '../../../src/analysis/window.js';

function stableWindow(latencyMs: number, n = 100): TrafficWindow {
  const w = new TrafficWindow();
  for (let i = 0; i < n; i++) w.stable.record(false, latencyMs);
  w.canary.record(false, 10_000); // canary latency never feeds the baseline
  return w;
}

describe('StableBaseline', () => {
  it('uses completed seconds only', () => {
    const b = new StableBaseline();
    b.ingest(stableWindow(20), 250);
    b.ingest(stableWindow(20), 750);
    expect(b.quantileBucket(0.5)).toBe(-1);
    b.ingest(stableWindow(500), 1_000);
    expect(b.quantileBucket(0.5)).toBe(latencyBucket(20));
    expect(b.quantileBucket(0.99)).toBe(latencyBucket(20));
    expect(b.pastRequests()).toBe(200);
    b.ingest(stableWindow(20), 2_000);
    expect(b.quantileBucket(0.99)).toBe(latencyBucket(500));
  });

  it('forgets seconds older than the trailing minute, gaps included', () => {
    const b = new StableBaseline();
    b.ingest(stableWindow(900), 0);
    for (let s = 1; s <= BASELINE_SECONDS; s++) b.ingest(stableWindow(20), s * 1000);
    expect(b.quantileBucket(0.999)).toBe(latencyBucket(900));
    b.ingest(stableWindow(20), (BASELINE_SECONDS + 1) * 1000);
    expect(b.quantileBucket(0.999)).toBe(latencyBucket(20));
    b.ingest(stableWindow(40), 500_000);
    b.ingest(stableWindow(40), 501_000);
    expect(b.quantileBucket(0.5)).toBe(latencyBucket(40));
    expect(b.pastRequests()).toBe(100);
  });

  it('keeps filling the current second when the clock steps back', () => {
    const b = new StableBaseline();
    b.ingest(stableWindow(20), 5_000);
    b.ingest(stableWindow(300), 4_000);
    b.ingest(stableWindow(20), 6_000);
    expect(b.pastRequests()).toBe(200);
    expect(b.quantileBucket(0.75)).toBe(latencyBucket(300));
  });

  it('rejects a non-finite time', () => {
    expect(() => new StableBaseline().ingest(new TrafficWindow(), Number.NaN)).toThrow(AnalysisError);
  });
});
