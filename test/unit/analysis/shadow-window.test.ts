import { describe, expect, it } from 'vitest';
import { AnalysisError, ShadowWindow, discordantLatencyPairs, latencyBucket } from '../../../src/analysis/index.js';

describe('ShadowWindow', () => {
  it('round-trips through its wire form (worker → primary), sending only non-zero latency cells', () => {
    const w = new ShadowWindow();
    w.recordPair('match', false, false, 12, 11);
    w.recordPair('mismatch', true, false, 40, 11);
    w.recordPair('error', true, true, 1000, 9);
    w.recordDropped();
    const wire = w.toJSON();
    expect(wire.length).toBe(8 + 3 * 2);
    const back = ShadowWindow.fromJSON(JSON.parse(JSON.stringify(wire)));
    expect(back.toJSON()).toEqual(wire);
    expect([back.matches, back.mismatches, back.errors, back.dropped]).toEqual([1, 1, 1, 1]);
  });

  it('rejects malformed input with a typed error', () => {
    expect(() => ShadowWindow.fromJSON([1, 0, 0, 0, 0, 0, 0, 0])).toThrow(AnalysisError);
    expect(() => ShadowWindow.fromJSON([0, 0, 0, 0, 0, 0, 0, 0, 1e9, 1])).toThrow(/latency cell/);
    expect(() => ShadowWindow.fromJSON('nope')).toThrow(/shadow window: must be an array/);
  });

  it('counts discordant latency pairs only', () => {
    const w = new ShadowWindow();
    w.recordPair('match', false, false, 50, 10); // canary slow, stable not
    w.recordPair('match', false, false, 10, 50); // stable slow, canary not
    w.recordPair('match', false, false, 50, 50); // both slow: no evidence
    w.recordPair('match', false, false, 10, 10); // neither
    const k = latencyBucket(20);
    expect(discordantLatencyPairs(w.latencyPairs, k, k)).toEqual({ canaryWorse: 1, stableWorse: 1 });
  });
});
