import { describe, expect, it } from 'vitest';
import { initialRolloutState, transition } from '../../../src/rollout/transition.js';
import type { RolloutEffect, RolloutPolicy, RolloutState } from '../../../src/rollout/types.js';

const SHADOWED: RolloutPolicy = { automated: true, steps: [10, 50, 100], gateCount: 0, shadow: true, configWeight: 0, identity: 'v2', revision: 'v2' };
const T = 1_000_000;
const types = (effects: RolloutEffect[]): string[] => effects.map((e) => e.type);

function shadowing(patch: Partial<RolloutState> = {}): RolloutState {
  return { ...initialRolloutState(0), identity: 'v2', revision: 'v2', automated: true, configWeight: 0, phase: 'shadowing', step: -1, weight: 0, ...patch };
}

describe('transition: the shadow step', () => {
  it('starts a new canary in the shadow step at weight 0, before step 1', () => {
    const r = transition(initialRolloutState(0), { type: 'config', at: T }, SHADOWED);
    expect(r.next).toMatchObject({ phase: 'shadowing', step: -1, weight: 0, stepStartedAt: T });
    expect(types(r.effects)).toEqual(['persist', 'setWeight', 'cancelGate', 'stopStep', 'startShadow', 'notify', 'log']);
    expect(r.next.reason).toMatch(/shadow step: mirroring reads to the canary, no user is served by it$/);
  });

  it('runs the start gates first, then shadows', () => {
    const gated = { ...SHADOWED, gateCount: 1 };
    const started = transition(initialRolloutState(0), { type: 'config', at: T }, gated);
    expect(started.next).toMatchObject({ phase: 'progressing', gating: 'start' });
    const r = transition(started.next, { type: 'gateResult', at: T + 1, run: started.next.gateRun, purpose: 'start', passed: true, reason: 'ok' }, gated);
    expect(r.next).toMatchObject({ phase: 'shadowing', weight: 0, gating: null });
    expect(types(r.effects)).toContain('startShadow');
  });

  it('passes to the first weighted step on agreement, stopping the mirroring first', () => {
    const r = transition(shadowing(), { type: 'verdict', at: T, outcome: 'pass', reason: 'agree' }, SHADOWED);
    expect(r.next).toMatchObject({ phase: 'progressing', step: 0, weight: 10 });
    expect(types(r.effects)).toEqual(['persist', 'setWeight', 'stopShadow', 'cancelGate', 'startStep', 'notify', 'log']);
    expect(r.next.reason).toBe('shadow step passed: agree');
  });

  it('reverts on too many mismatches, with the reason', () => {
    const r = transition(shadowing(), { type: 'verdict', at: T, outcome: 'fail', reason: '9 of 40 differed' }, SHADOWED);
    expect(r.next).toMatchObject({ phase: 'reverted', weight: 0 });
    expect(types(r.effects)).toContain('stopShadow');
    expect(r.next.reason).toBe('reverted in the shadow step: 9 of 40 differed');
  });

  it('holds on pending and inconclusive verdicts', () => {
    for (const outcome of ['pending', 'inconclusive', 'invalid'] as const) {
      const r = transition(shadowing(), { type: 'verdict', at: T, outcome, reason: 'x' }, SHADOWED);
      expect(r.effects).toEqual([]);
      expect(r.next.phase).toBe('shadowing');
    }
  });

  it('lets the operator pause, abort or promote a shadowing route, and refuses resume', () => {
    const paused = transition(shadowing(), { type: 'pause', at: T }, SHADOWED);
    expect(paused.next).toMatchObject({ phase: 'paused', weight: 0, step: -1 });
    expect(types(paused.effects)).toContain('stopShadow');
    // Resuming a pause from before step 1 starts the rollout again: the shadow step with fresh evidence.
    expect(transition(paused.next, { type: 'resume', at: T + 1 }, SHADOWED).next.phase).toBe('shadowing');
    expect(transition(shadowing(), { type: 'abort', at: T }, SHADOWED).next.phase).toBe('reverted');
    expect(transition(shadowing(), { type: 'promote', at: T }, SHADOWED).next).toMatchObject({ phase: 'promoted', weight: 100 });
    expect(transition(shadowing(), { type: 'resume', at: T }, SHADOWED).refusal?.message).toMatch(/^already shadowing/);
  });

  it('resumes the shadow step from the state file after a restart', () => {
    const r = transition(initialRolloutState(0), { type: 'restore', at: T, saved: shadowing(), problem: null }, SHADOWED);
    expect(r.next.phase).toBe('shadowing');
    expect(types(r.effects)).toEqual(['setWeight', 'startShadow', 'log']);
  });

  it('goes on to the first step when the shadow block is taken out of the config, and keeps shadowing on other edits', () => {
    const r = transition(shadowing(), { type: 'config', at: T }, { ...SHADOWED, shadow: false });
    expect(r.next).toMatchObject({ phase: 'progressing', step: 0, weight: 10 });
    expect(types(r.effects)).toContain('stopShadow');
    expect(transition(shadowing(), { type: 'config', at: T }, { ...SHADOWED, steps: [5, 100] }).effects).toEqual([]);
  });

  it('stops the mirroring when the canary is removed from the config', () => {
    const r = transition(shadowing(), { type: 'config', at: T }, { ...SHADOWED, identity: null, revision: null, automated: false });
    expect(r.next.phase).toBe('stable');
    expect(types(r.effects)).toContain('stopShadow');
  });
});
