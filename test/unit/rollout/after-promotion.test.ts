import { describe, expect, it } from 'vitest';
import { initialRolloutState, transition } from '../../../src/rollout/transition.js';
import type { RolloutPolicy, RolloutState } from '../../../src/rollout/types.js';

const POLICY: RolloutPolicy = { automated: true, steps: [10, 50, 100], gateCount: 0, afterPromotionGateCount: 1, configWeight: 0, identity: 'v2', revision: 'v2' };
const T = 1_000_000;

function progressing(patch: Partial<RolloutState> = {}): RolloutState {
  return { ...initialRolloutState(0), identity: 'v2', revision: 'v2', automated: true, configWeight: 0, phase: 'progressing', step: 1, weight: 50, ...patch };
}

describe('transition: after-promotion gates', () => {
  it('promotes at once and starts the after-promotion gates in the same transition', () => {
    const r = transition(progressing(), { type: 'verdict', at: T, outcome: 'pass', reason: 'as good as stable' }, POLICY);
    expect(r.next).toMatchObject({ phase: 'promoted', weight: 100, gating: 'afterPromotion', gateRun: 1 });
    expect(r.effects).toContainEqual({ type: 'runGate', purpose: 'afterPromotion', run: 1 });
    expect(r.next.reason).toMatch(/running 1 gate after promotion$/);
  });

  it('runs none without afterPromotion gates (and a policy without the field behaves the same)', () => {
    const { afterPromotionGateCount: _, ...older } = POLICY;
    const r = transition(progressing(), { type: 'verdict', at: T, outcome: 'pass', reason: 'ok' }, older);
    expect(r.next).toMatchObject({ phase: 'promoted', gating: null });
    expect(r.effects.some((e) => e.type === 'runGate')).toBe(false);
  });

  it('records a failing check in the history and notifies, but stays promoted at 100 %', () => {
    const promoted = transition(progressing(), { type: 'promote', at: T }, POLICY).next;
    const r = transition(promoted, { type: 'gateResult', at: T + 1, run: promoted.gateRun, purpose: 'afterPromotion', passed: false, reason: 'gate 1 of 1: migrations db/contract: drop-column' }, POLICY);
    expect(r.next).toMatchObject({ phase: 'promoted', weight: 100, gating: null });
    expect(r.next.history.at(-1)).toMatchObject({ from: 'promoted', to: 'promoted', weight: 100 });
    expect(r.next.reason).toMatch(/^after-promotion gate failed: gate 1 of 1: migrations db\/contract: drop-column; the canary stays promoted at 100%/);
    expect(r.effects.map((e) => e.type)).toEqual(['persist', 'setWeight', 'log', 'notify', 'log']);
    expect(r.effects).toContainEqual(expect.objectContaining({ type: 'log', level: 'warn' }));
  });

  it('records a pass the same way', () => {
    const promoted = transition(progressing(), { type: 'promote', at: T }, POLICY).next;
    const r = transition(promoted, { type: 'gateResult', at: T + 1, run: promoted.gateRun, purpose: 'afterPromotion', passed: true, reason: 'the gate passed' }, POLICY);
    expect(r.next).toMatchObject({ phase: 'promoted', gating: null, reason: 'after-promotion gates passed: the gate passed' });
  });

  it('ignores a late result once the canary was aborted or a newer run started', () => {
    const promoted = transition(progressing(), { type: 'promote', at: T }, POLICY).next;
    const aborted = transition(promoted, { type: 'abort', at: T + 1 }, POLICY).next;
    const late = { type: 'gateResult', at: T + 2, run: promoted.gateRun, purpose: 'afterPromotion', passed: false, reason: 'x' } as const;
    expect(transition(aborted, late, POLICY).effects).toEqual([]);
    expect(transition(promoted, { ...late, run: promoted.gateRun - 1 }, POLICY).effects).toEqual([]);
  });

  it('re-runs the after-promotion gates when restored from a state file while they were in flight', () => {
    const promoted = transition(progressing(), { type: 'promote', at: T }, POLICY).next;
    const r = transition(initialRolloutState(T), { type: 'restore', at: T + 5, saved: promoted, problem: null }, POLICY);
    expect(r.next).toMatchObject({ phase: 'promoted', gating: 'afterPromotion' });
    expect(r.effects).toContainEqual({ type: 'runGate', purpose: 'afterPromotion', run: r.next.gateRun });
  });
});
