import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, initialRolloutState, transition } from '../../../src/rollout/transition.js';
import type { RolloutEffect, RolloutEvent, RolloutPolicy, RolloutState } from '../../../src/rollout/types.js';

const AUTO: RolloutPolicy = { automated: true, steps: [10, 50, 100], gateCount: 0, configWeight: 0, identity: 'v2', revision: 'v2' };
const GATED: RolloutPolicy = { ...AUTO, gateCount: 2 };
const STATIC: RolloutPolicy = { automated: false, steps: [100], gateCount: 0, configWeight: 10, identity: 'v2', revision: 'v2' };
const NO_CANARY: RolloutPolicy = { ...AUTO, automated: false, identity: null, revision: null, configWeight: 0 };

const T = 1_000_000;
const types = (effects: RolloutEffect[]): string[] => effects.map((e) => e.type);

function state(patch: Partial<RolloutState> = {}): RolloutState {
  return { ...initialRolloutState(0), identity: 'v2', revision: 'v2', automated: true, configWeight: 0, phase: 'progressing', step: 0, weight: 10, ...patch };
}

function run(s: RolloutState, event: RolloutEvent, policy = AUTO) {
  return transition(s, event, policy);
}

describe('transition: config', () => {
  it('starts a rollout at the first step for a new canary, persisting before the weight', () => {
    const r = run(initialRolloutState(0), { type: 'config', at: T });
    expect(r.next).toMatchObject({ phase: 'progressing', step: 0, weight: 10, identity: 'v2', stepStartedAt: T });
    expect(types(r.effects)).toEqual(['persist', 'setWeight', 'cancelGate', 'startStep', 'notify', 'log']);
    expect(r.next.history).toEqual([{ at: T, from: 'stable', to: 'progressing', weight: 10, step: 0, reason: 'rollout of canary revision v2 started' }]);
  });

  it('runs the gates first when there are any, at weight 0', () => {
    const r = run(initialRolloutState(0), { type: 'config', at: T }, GATED);
    expect(r.next).toMatchObject({ phase: 'progressing', step: -1, weight: 0, gating: 'start', gateRun: 1 });
    expect(r.effects).toContainEqual({ type: 'runGate', purpose: 'start', run: 1 });
    expect(r.next.reason).toMatch(/running 2 gates before the first step/);
  });

  it('keeps going when the same canary is reloaded, clamping the step to a shorter list', () => {
    const s = state({ step: 2 });
    const r = run(s, { type: 'config', at: T }, { ...AUTO, steps: [10, 100] });
    expect(r.effects).toEqual([]);
    expect(r.next.step).toBe(1);
  });

  it('restarts from the first step for a new revision, even after a revert', () => {
    const r = run(state({ phase: 'reverted', weight: 0, step: 1 }), { type: 'config', at: T }, { ...AUTO, identity: 'v3', revision: 'v3' });
    expect(r.next).toMatchObject({ phase: 'progressing', step: 0, weight: 10, identity: 'v3' });
    expect(r.next.reason).toBe('new canary revision v3: rollout restarted from the first step');
  });

  it('goes back to stable at 0 % when the canary leaves the config', () => {
    const r = run(state({ phase: 'promoted', weight: 100, step: 2 }), { type: 'config', at: T }, NO_CANARY);
    expect(r.next).toMatchObject({ phase: 'stable', weight: 0, identity: null });
    expect(types(r.effects)).toContain('closeCanaryTunnels');
  });

  it('does nothing for a route that never had a canary', () => {
    expect(run(initialRolloutState(0), { type: 'config', at: T }, NO_CANARY).effects).toEqual([]);
  });

  it('applies a static weight as manual, and a changed config weight wins over a runtime one', () => {
    const first = run(initialRolloutState(0), { type: 'config', at: T }, STATIC);
    expect(first.next).toMatchObject({ phase: 'manual', weight: 10, configWeight: 10, automated: false });
    const operator = run(first.next, { type: 'setWeight', at: T, weight: 30 }, STATIC).next;
    expect(run(operator, { type: 'config', at: T }, STATIC).effects).toEqual([]);
    const edited = run(operator, { type: 'config', at: T }, { ...STATIC, configWeight: 0 });
    expect(edited.next).toMatchObject({ phase: 'stable', weight: 0 });
  });
});

describe('transition: verdicts', () => {
  it('moves to the next step on pass with fresh evidence', () => {
    const r = run(state(), { type: 'verdict', at: T, outcome: 'pass', reason: 'ok' });
    expect(r.next).toMatchObject({ phase: 'progressing', step: 1, weight: 50, stepStartedAt: T });
    expect(r.effects).toContainEqual({ type: 'startStep', weight: 50 });
    expect(r.next.reason).toBe('step 1/3 (10%) passed: ok');
  });

  it('promotes at 100 % after the last analysed step', () => {
    const r = run(state({ step: 1, weight: 50 }), { type: 'verdict', at: T, outcome: 'pass', reason: 'ok' });
    expect(r.next).toMatchObject({ phase: 'promoted', step: 2, weight: 100 });
  });

  it('runs the gates before promotion, holding the weight', () => {
    const r = run(state({ step: 1, weight: 50 }), { type: 'verdict', at: T, outcome: 'pass', reason: 'ok' }, GATED);
    expect(r.next).toMatchObject({ phase: 'progressing', step: 1, weight: 50, gating: 'promote' });
    expect(r.effects).toContainEqual({ type: 'runGate', purpose: 'promote', run: 1 });
  });

  it('reverts to 0 % on fail, closes canary tunnels, and logs a warning', () => {
    const r = run(state(), { type: 'verdict', at: T, outcome: 'fail', reason: 'canary error rate 30% vs stable 0%' });
    expect(r.next).toMatchObject({ phase: 'reverted', weight: 0, step: 0 });
    expect(types(r.effects)).toEqual(['persist', 'setWeight', 'stopStep', 'cancelGate', 'closeCanaryTunnels', 'notify', 'log']);
    expect(r.effects.at(-1)).toMatchObject({ type: 'log', level: 'warn' });
    expect(r.next.reason).toBe('reverted at step 1/3 (10%): canary error rate 30% vs stable 0%');
  });

  it.each(['pending', 'inconclusive', 'invalid'] as const)('holds on %s', (outcome) => {
    expect(run(state(), { type: 'verdict', at: T, outcome, reason: 'x' }).effects).toEqual([]);
  });

  it('ignores verdicts outside progressing or while gating', () => {
    for (const s of [state({ phase: 'paused' }), state({ phase: 'reverted' }), state({ gating: 'promote' }), state({ step: -1 })]) {
      expect(run(s, { type: 'verdict', at: T, outcome: 'fail', reason: 'x' }).effects).toEqual([]);
    }
  });
});

describe('transition: gates', () => {
  const gating = state({ step: -1, weight: 0, gating: 'start', gateRun: 3 });

  it('enters the first step when the start gates pass', () => {
    const r = run(gating, { type: 'gateResult', at: T, run: 3, purpose: 'start', passed: true, reason: 'all 2 gates passed' }, GATED);
    expect(r.next).toMatchObject({ phase: 'progressing', step: 0, weight: 10, gating: null });
  });

  it('reverts with the gate output when a gate fails', () => {
    const r = run(gating, { type: 'gateResult', at: T, run: 3, purpose: 'start', passed: false, reason: 'command "smoke" exited 1: boom' }, GATED);
    expect(r.next).toMatchObject({ phase: 'reverted', weight: 0 });
    expect(r.next.reason).toBe('gate failed before the first step: command "smoke" exited 1: boom');
  });

  it('promotes when the promotion gates pass', () => {
    const s = state({ step: 1, weight: 50, gating: 'promote', gateRun: 4 });
    const r = run(s, { type: 'gateResult', at: T, run: 4, purpose: 'promote', passed: true, reason: 'ok' }, GATED);
    expect(r.next).toMatchObject({ phase: 'promoted', weight: 100 });
  });

  it('ignores the result of a cancelled or superseded run', () => {
    expect(run(gating, { type: 'gateResult', at: T, run: 2, purpose: 'start', passed: true, reason: '' }, GATED).effects).toEqual([]);
    expect(run(state({ phase: 'paused' }), { type: 'gateResult', at: T, run: 0, purpose: 'start', passed: true, reason: '' }, GATED).effects).toEqual([]);
  });
});

describe('transition: operator actions', () => {
  it('pause holds the weight and stops the analysis and gates', () => {
    const r = run(state({ step: 1, weight: 50 }), { type: 'pause', at: T });
    expect(r.next).toMatchObject({ phase: 'paused', weight: 50, step: 1 });
    expect(types(r.effects)).toEqual(['persist', 'setWeight', 'stopStep', 'cancelGate', 'notify', 'log']);
  });

  it('resume continues a paused step with fresh evidence at the step weight', () => {
    const r = run(state({ phase: 'paused', step: 1, weight: 20 }), { type: 'resume', at: T });
    expect(r.next).toMatchObject({ phase: 'progressing', step: 1, weight: 50, stepStartedAt: T });
  });

  it('resume before the first step (unusable state file) starts the rollout', () => {
    const r = run(state({ phase: 'paused', step: -1, weight: 0 }), { type: 'resume', at: T }, GATED);
    expect(r.next).toMatchObject({ phase: 'progressing', gating: 'start' });
  });

  it('resume after a revert restarts from the first step', () => {
    const r = run(state({ phase: 'reverted', step: 1, weight: 0 }), { type: 'resume', at: T });
    expect(r.next).toMatchObject({ phase: 'progressing', step: 0, weight: 10 });
  });

  it('promote jumps to 100 % from progressing, paused or reverted', () => {
    for (const phase of ['progressing', 'paused', 'reverted'] as const) {
      const r = run(state({ phase }), { type: 'promote', at: T }, GATED);
      expect(r.next).toMatchObject({ phase: 'promoted', weight: 100, step: 2 });
    }
  });

  it('abort reverts from progressing, paused and promoted', () => {
    for (const phase of ['progressing', 'paused', 'promoted'] as const) {
      const r = run(state({ phase, weight: 50 }), { type: 'abort', at: T });
      expect(r.next).toMatchObject({ phase: 'reverted', weight: 0, reason: 'aborted by the operator' });
      expect(types(r.effects)).toContain('closeCanaryTunnels');
    }
  });

  it('a manual weight pauses an automated rollout and makes a static route manual', () => {
    expect(run(state(), { type: 'setWeight', at: T, weight: 25 }).next).toMatchObject({ phase: 'paused', weight: 25 });
    const stat = state({ phase: 'stable', automated: false, weight: 0, step: -1 });
    expect(run(stat, { type: 'setWeight', at: T, weight: 0 }, STATIC).next).toMatchObject({ phase: 'manual', weight: 0 });
  });

  it.each([
    ['pause', 'paused', /already paused/],
    ['pause', 'promoted', /nothing to pause/],
    ['pause', 'reverted', /resume/],
    ['resume', 'progressing', /already progressing/],
    ['resume', 'promoted', /new canary revision/],
    ['promote', 'promoted', /already promoted/],
    ['abort', 'reverted', /already reverted/],
  ] as const)('refuses %s when %s, saying what would work', (action, phase, message) => {
    const r = run(state({ phase }), { type: action, at: T });
    expect(r.refusal).toMatchObject({ code: 'INVALID_PHASE' });
    expect(r.refusal?.message).toMatch(message);
    expect(r.effects).toEqual([]);
  });

  it('refuses rollout actions without a canary or a rollout block, and bad weights', () => {
    const s = initialRolloutState(0);
    expect(run(s, { type: 'promote', at: T }, NO_CANARY).refusal?.code).toBe('NO_CANARY');
    expect(run(s, { type: 'setWeight', at: T, weight: 5 }, NO_CANARY).refusal?.code).toBe('NO_CANARY');
    expect(run(s, { type: 'pause', at: T }, STATIC).refusal?.code).toBe('NO_ROLLOUT');
    expect(run(s, { type: 'setWeight', at: T, weight: 101 }, STATIC).refusal?.code).toBe('INVALID_WEIGHT');
    expect(run(s, { type: 'setWeight', at: T, weight: Number.NaN }, STATIC).refusal?.code).toBe('INVALID_WEIGHT');
  });
});

describe('transition: restore', () => {
  const saved = state({ phase: 'progressing', step: 1, weight: 50, gateRun: 2, history: [{ at: 1, from: 'stable', to: 'progressing', weight: 10, step: 0, reason: 'x' }] });

  it('resumes the saved phase, step and weight with fresh evidence, without a new transition', () => {
    const r = run(initialRolloutState(0), { type: 'restore', at: T, saved, problem: null });
    expect(r.next).toMatchObject({ phase: 'progressing', step: 1, weight: 50, stepStartedAt: T, gateRun: 3 });
    expect(r.next.history).toHaveLength(1);
    expect(types(r.effects)).toEqual(['setWeight', 'startStep', 'log']);
  });

  it('re-runs gates that were in flight when the process died', () => {
    const r = run(initialRolloutState(0), { type: 'restore', at: T, saved: { ...saved, gating: 'promote' }, problem: null }, GATED);
    expect(r.effects).toContainEqual({ type: 'runGate', purpose: 'promote', run: 3 });
  });

  it('holds paused and promoted as they were', () => {
    for (const phase of ['paused', 'promoted', 'reverted'] as const) {
      const r = run(initialRolloutState(0), { type: 'restore', at: T, saved: { ...saved, phase }, problem: null });
      expect(r.next.phase).toBe(phase);
      expect(types(r.effects)).toEqual(['setWeight', 'log']);
    }
  });

  it('starts afresh when the saved state is about another canary', () => {
    const r = run(initialRolloutState(0), { type: 'restore', at: T, saved: { ...saved, identity: 'v1' }, problem: null });
    expect(r.next).toMatchObject({ phase: 'progressing', step: 0, weight: 10 });
  });

  it('starts paused at 0 %, never promoted, when the state file is unusable', () => {
    const r = run(initialRolloutState(0), { type: 'restore', at: T, saved: null, problem: 'state.json is not valid JSON' });
    expect(r.next).toMatchObject({ phase: 'paused', weight: 0, step: -1 });
    expect(r.next.reason).toMatch(/^state file unusable \(state.json is not valid JSON\); holding at 0%/);
    expect(r.effects).toContainEqual({ type: 'setWeight', weight: 0 });
  });

  it('keeps a static route on its config weight even when the state file is unusable', () => {
    const r = run(initialRolloutState(0), { type: 'restore', at: T, saved: null, problem: 'bad' }, STATIC);
    expect(r.next).toMatchObject({ phase: 'manual', weight: 10 });
  });
});

describe('transition: history', () => {
  it(`keeps the last ${HISTORY_LIMIT} transitions, oldest first`, () => {
    let s = state();
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) s = run(s, { type: 'setWeight', at: i, weight: i % 100 }).next;
    expect(s.history).toHaveLength(HISTORY_LIMIT);
    expect(s.history[0]!.at).toBe(5);
    expect(s.history.at(-1)!.at).toBe(HISTORY_LIMIT + 4);
  });
});
