import { describe, expect, it } from 'vitest';
import { LeaderLease, leaseSafetyMargin } from '../../../src/fleet/lease.js';

describe('LeaderLease (time passed in)', () => {
  it('stops deciding a margin before the lease can expire in the store, counted from the send time', () => {
    const l = new LeaderLease('a', 1_000);
    expect(leaseSafetyMargin(1_000)).toBe(200);
    expect(l.granted(100, 7, 150)).toBe('acquired');
    expect(l.held(150)).toBe(true);
    expect(l.held(100 + 1_000 - 200 - 1)).toBe(true);
    expect(l.held(100 + 1_000 - 200)).toBe(false);
  });

  it('a renewal extends; a reply slower than the TTL minus the margin proves nothing', () => {
    const l = new LeaderLease('a', 1_000);
    l.granted(0, 3, 10);
    expect(l.granted(500, 3, 520)).toBe('renewed');
    expect(l.held(1_200)).toBe(true);
    const slow = new LeaderLease('b', 1_000);
    slow.granted(0, 4, 900);
    expect(slow.held(900)).toBe(false);
  });

  it('a new fence is a new term; denial and a refused write end ours', () => {
    const l = new LeaderLease('a', 1_000);
    l.granted(0, 1, 0);
    expect(l.granted(100, 2, 100)).toBe('acquired');
    expect(l.token()).toBe('a|2');
    l.lost();
    expect(l.held(150)).toBe(false);
    l.denied('b', 5);
    expect(l.holder).toBe('b');
    expect(l.highestFence).toBe(5);
  });
});
