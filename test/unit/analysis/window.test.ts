import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AnalysisError } from '../../../src/analysis/errors.js';
import { LATENCY_BUCKET_COUNT, latencyBucket } from '../../../src/analysis/histogram.js';
import { TrafficWindow, VersionCounts } from '../../../src/analysis/window.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AnalysisError ? e.code : 'not-an-AnalysisError';
  }
  return undefined;
}

describe('VersionCounts', () => {
  it('records requests, failures and the latency bucket', () => {
    const c = new VersionCounts();
    c.record(false, 3);
    c.record(true, 120);
    c.record(false, 120);
    expect(c.requests).toBe(3);
    expect(c.failures).toBe(1);
    expect(c.latency[0]).toBe(1);
    expect(c.latency[latencyBucket(120)]).toBe(2);
    c.reset();
    expect(c.requests + c.failures + c.latency.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('adds another version counts bucket by bucket', () => {
    const a = new VersionCounts();
    const b = new VersionCounts();
    a.record(true, 10);
    b.record(false, 10);
    b.record(false, 9000);
    a.addFrom(b);
    expect(a.requests).toBe(3);
    expect(a.failures).toBe(1);
    expect(a.latency[latencyBucket(10)]).toBe(2);
    expect(a.latency[LATENCY_BUCKET_COUNT - 1]).toBe(1);
  });
});

describe('TrafficWindow serialisation', () => {
  it('round-trips through JSON text, as worker IPC does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.double({ min: 0, max: 10_000, noNaN: true })), { maxLength: 200 }), (reqs) => {
        const w = new TrafficWindow();
        for (const [canary, failed, ms] of reqs) (canary ? w.canary : w.stable).record(failed, ms);
        const back = TrafficWindow.fromJSON(JSON.parse(JSON.stringify(w)));
        for (const v of ['stable', 'canary'] as const) {
          expect(back[v].requests).toBe(w[v].requests);
          expect(back[v].failures).toBe(w[v].failures);
          expect(Array.from(back[v].latency)).toEqual(Array.from(w[v].latency));
        }
      }),
    );
  });

  it('drops trailing empty buckets so a tick stays small', () => {
    const w = new TrafficWindow();
    w.stable.record(false, 5.2);
    expect(w.toJSON()).toEqual([[1, 0, 0, 1], [0, 0]]);
  });

  it('merges windows from several workers', () => {
    const a = new TrafficWindow();
    const b = new TrafficWindow();
    a.canary.record(true, 50);
    b.canary.record(false, 50);
    b.stable.record(false, 50);
    a.addFrom(b);
    expect([a.canary.requests, a.canary.failures, a.stable.requests]).toEqual([2, 1, 1]);
    expect(a.isEmpty()).toBe(false);
    a.reset();
    expect(a.isEmpty()).toBe(true);
  });

  it('rejects malformed input with ANALYSIS_INVALID_WINDOW', () => {
    const bad: unknown[] = [
      null,
      {},
      [[1, 0]],
      [[1, 0], 'x'],
      [[1], [0, 0]],
      [[1, 2], [0, 0]],
      [[1, 0, -1], [0, 0]],
      [[1, 0, 0.5], [0, 0]],
      [[1, 0, 2 ** 33], [0, 0]],
      [[0, 0, ...new Array<number>(LATENCY_BUCKET_COUNT + 1).fill(0)], [0, 0]],
    ];
    for (const b of bad) expect(codeOf(() => TrafficWindow.fromJSON(b))).toBe('ANALYSIS_INVALID_WINDOW');
  });
});
