import { describe, expect, it } from 'vitest';
import { TrafficWindow } from '../../../src/analysis/window.js';
import { WindowLedger } from '../../../src/fleet/window-ledger.js';

function win(stable: number, canary: number, canaryFailures = 0): TrafficWindow {
  const w = new TrafficWindow();
  for (let i = 0; i < stable; i++) w.stable.record(false, 10);
  for (let i = 0; i < canary; i++) w.canary.record(i < canaryFailures, 20);
  return w;
}

describe('WindowLedger', () => {
  it('sums every replica\'s slot and hands the analysis only traffic drawn at the current weight', () => {
    const a = new WindowLedger();
    const b = new WindowLedger();
    a.addLocal('shop', 10, win(90, 10, 1));
    b.addLocal('shop', 10, win(80, 20, 2));
    // b applied the leader's new weight first; its requests at 25 % belong to the next step.
    b.addLocal('shop', 25, win(3, 1));
    const slotA = a.takeLocalSlot();
    const slotB = b.takeLocalSlot();
    expect(slotA.requests).toBe(100);
    expect(slotB.requests).toBe(104);
    expect(a.takeLocalSlot().slot).toEqual({});

    const leader = new WindowLedger();
    expect(leader.addFleetSlot([JSON.stringify(slotA.slot), JSON.stringify(slotB.slot)])).toBe(0);
    const sum = leader.takeFleet('shop', 10);
    expect(sum.stable.requests).toBe(170);
    expect(sum.canary.requests).toBe(30);
    expect(sum.canary.failures).toBe(3);
    // Taken once: a second take sees nothing new, and the 25 % chunk went with the old step.
    expect(leader.takeFleet('shop', 25).isEmpty()).toBe(true);
  });

  it('skips a malformed slot whole and keeps the others', () => {
    const a = new WindowLedger();
    a.addLocal('shop', 5, win(10, 1));
    const good = JSON.stringify(a.takeLocalSlot().slot);
    const leader = new WindowLedger();
    expect(leader.addFleetSlot(['not json', JSON.stringify({ shop: [[5, [[1, 2], [0, 0]]]] }), good])).toBe(2);
    expect(leader.takeFleet('shop', 5).stable.requests).toBe(10);
  });
});
