import { describe, expect, it } from 'vitest';
import { PassiveEjection } from '../../../src/upstream/ejection.js';
import { nextHealth } from '../../../src/upstream/health-check.js';

const policy = { connectFailures: 3, baseTimeMs: 1_000, maxTimeMs: 8_000 };

describe('PassiveEjection', () => {
  it('ejects after N connect failures in a row, not before', () => {
    const e = new PassiveEjection(policy);
    expect(e.connectFailed(0)).toBe(false);
    expect(e.connectFailed(1)).toBe(false);
    expect(e.isEjected(2)).toBe(false);
    expect(e.connectFailed(2)).toBe(true);
    expect(e.isEjected(2)).toBe(true);
    expect(e.isEjected(1_001)).toBe(true);
    expect(e.isEjected(1_002)).toBe(false);
  });

  it('a success in between resets the count', () => {
    const e = new PassiveEjection(policy);
    e.connectFailed(0);
    e.connectFailed(0);
    e.succeeded();
    expect(e.connectFailed(0)).toBe(false);
    expect(e.connectFailed(0)).toBe(false);
    expect(e.connectFailed(0)).toBe(true);
  });

  it('the backoff doubles while it keeps failing (one failure after each ejection), up to the cap', () => {
    const e = new PassiveEjection(policy);
    let now = 0;
    for (let i = 0; i < 3; i++) e.connectFailed(now);
    const lengths: number[] = [];
    for (let round = 0; round < 6; round++) {
      lengths.push(e.ejectedUntil - now);
      now = e.ejectedUntil;
      // On probation: the first failure after the ejection ejects again.
      expect(e.connectFailed(now)).toBe(true);
    }
    expect(lengths).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('failures while ejected (requests already in flight) do not extend the ejection', () => {
    const e = new PassiveEjection(policy);
    for (let i = 0; i < 3; i++) e.connectFailed(0);
    expect(e.connectFailed(500)).toBe(false);
    expect(e.ejectedUntil).toBe(1_000);
  });

  it('a success after an ejection ends the probation and resets the backoff', () => {
    const e = new PassiveEjection(policy);
    for (let i = 0; i < 3; i++) e.connectFailed(0);
    e.succeeded();
    expect(e.connectFailed(2_000)).toBe(false);
    e.reset();
    expect(e.isEjected(0)).toBe(false);
  });
});

describe('nextHealth (active check thresholds)', () => {
  const s = { unhealthyThreshold: 2, healthyThreshold: 3 };

  it('goes unhealthy after unhealthyThreshold failures in a row and back after healthyThreshold successes', () => {
    const streak = { successes: 0, failures: 0 };
    let healthy = true;
    const seen: boolean[] = [];
    for (const ok of [false, true, false, false, true, true, false, true, true, true, false]) {
      healthy = nextHealth(healthy, streak, ok, s);
      seen.push(healthy);
    }
    expect(seen).toEqual([true, true, true, false, false, false, false, false, false, true, true]);
  });
});
