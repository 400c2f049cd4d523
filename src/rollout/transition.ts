/**
 * The rollout as one pure function: (state, event, policy) → next state and the effects the
 * controller must carry out. No clock, no I/O, no randomness: every case is a unit test.
 */
import type { StepOutcome } from '../analysis/index.js';
import { onAfterPromotionResult } from './after-promotion.js';
import { assertNever, canaryOf, enterStep, firstStep, HISTORY_LIMIT, move, promote, revert, startRollout, stepLabel, unchanged } from './moves.js';
import { onAbort, onPause, onPromote, onResume, onSetWeight } from './operator-actions.js';
import type { Phase, RolloutEffect, RolloutEvent, RolloutPolicy, RolloutState, TransitionResult } from './types.js';

export { HISTORY_LIMIT } from './moves.js';

export function initialRolloutState(at: number): RolloutState {
  return {
    phase: 'stable', step: -1, weight: 0, stepStartedAt: at, identity: null, revision: null, automated: false,
    configWeight: null, reason: null, gating: null, gateRun: 0, history: [],
  };
}

export function transition(state: RolloutState, event: RolloutEvent, policy: RolloutPolicy): TransitionResult {
  switch (event.type) {
    case 'config':
      return onConfig(state, event.at, policy);
    case 'restore':
      return onRestore(state, event.at, event.saved, event.problem, policy);
    case 'verdict':
      return onVerdict(state, event.at, event.outcome, event.reason, policy);
    case 'gateResult':
      return onGateResult(state, event, policy);
    case 'promote':
      return onPromote(state, event.at, policy);
    case 'abort':
      return onAbort(state, event.at, policy);
    case 'pause':
      return onPause(state, event.at, policy);
    case 'resume':
      return onResume(state, event.at, policy);
    case 'setWeight':
      return onSetWeight(state, event.at, event.weight, policy);
    default:
      return assertNever(event);
  }
}

// ---- events from the config, the analysis and the gates (the operator's: operator-actions.ts) ----

function onConfig(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  if (p.identity === null) {
    if (s.identity === null && s.weight === 0 && s.phase === 'stable') return unchanged({ ...s, automated: p.automated, configWeight: p.configWeight });
    return move(s, { ...canaryOf(p), phase: 'stable', step: -1, weight: 0, gating: null }, 'no canary in the config', at, [
      { type: 'stopStep' },
      { type: 'cancelGate' },
      { type: 'closeCanaryTunnels' },
    ]);
  }
  if (!p.automated) {
    // A changed `weight:` in the file wins; an unchanged one leaves a weight set at runtime alone.
    const changed = s.automated || s.identity !== p.identity || s.configWeight !== p.configWeight;
    if (!changed) return unchanged(s);
    const phase: Phase = p.configWeight > 0 ? 'manual' : 'stable';
    if (s.phase === phase && s.weight === p.configWeight && !s.automated) return unchanged({ ...s, ...canaryOf(p) });
    return move(s, { ...canaryOf(p), phase, step: -1, weight: p.configWeight, gating: null }, `weight ${p.configWeight}% from the config`, at, [
      { type: 'stopStep' },
      { type: 'cancelGate' },
    ]);
  }
  if (s.automated && s.identity === p.identity && s.phase === 'shadowing' && p.shadow !== true) {
    // The operator took the shadow step out of the config: that is a decision to skip it.
    return enterStep(s, 0, p, at, 'rollout.shadow removed from the config: shadow step skipped, on to the first step');
  }
  if (s.automated && s.identity === p.identity) {
    // Same canary, edited rollout block: keep going; a shorter step list cannot leave us past its end.
    const step = Math.min(s.step, p.steps.length - 1);
    return unchanged({ ...s, step, configWeight: p.configWeight });
  }
  const reason = s.identity === null || !s.automated ? `rollout of canary ${describeCanary(p)} started` : `new canary ${describeCanary(p)}: rollout restarted from the first step`;
  return startRollout(s, p, at, reason);
}

function onRestore(s: RolloutState, at: number, saved: RolloutState | null, problem: string | null, p: RolloutPolicy): TransitionResult {
  if (problem !== null && p.identity !== null && p.automated) {
    // Never guess from a file we cannot read: hold the canary at 0 % until an operator resumes.
    return move(s, { ...canaryOf(p), phase: 'paused', step: -1, weight: 0, gating: null },
      `state file unusable (${problem}); holding at 0% — check the file, then \`cutover resume\` restarts the rollout`, at, [{ type: 'stopStep' }]);
  }
  const matches = saved !== null && saved.identity === p.identity && saved.automated === p.automated &&
    (p.automated || saved.configWeight === p.configWeight);
  if (saved === null || !matches) return onConfig(s, at, p);
  const next: RolloutState = {
    ...saved,
    step: Math.min(saved.step, p.steps.length - 1),
    stepStartedAt: at,
    gateRun: Math.max(s.gateRun, saved.gateRun) + 1,
    configWeight: p.configWeight,
    history: saved.history.slice(-HISTORY_LIMIT),
  };
  const effects: RolloutEffect[] = [{ type: 'setWeight', weight: next.weight }];
  if ((next.phase === 'progressing' || next.phase === 'promoted') && next.gating !== null) effects.push({ type: 'runGate', purpose: next.gating, run: next.gateRun });
  else if (next.phase === 'progressing' && next.step >= 0) effects.push({ type: 'startStep', weight: next.weight });
  else if (next.phase === 'shadowing') effects.push({ type: 'startShadow' });
  const where = next.step >= 0 ? ` at ${stepLabel(next.step, p)}` : '';
  effects.push({ type: 'log', level: 'info', message: `resumed from the state file: ${next.phase}${where}, weight ${next.weight}%; the step's evidence starts again from zero` });
  return { next, effects };
}

function onVerdict(s: RolloutState, at: number, outcome: StepOutcome, reason: string, p: RolloutPolicy): TransitionResult {
  // The shadow step is the step before the first weighted one: it passes to step 0.
  const shadow = s.phase === 'shadowing';
  if (!shadow && (s.phase !== 'progressing' || s.gating !== null || s.step < 0)) return unchanged(s);
  switch (outcome) {
    case 'pass':
      return enterStep(s, shadow ? 0 : s.step + 1, p, at, `${shadow ? 'shadow step' : stepLabel(s.step, p)} passed: ${reason}`);
    case 'fail':
      return revert(s, at, `${shadow ? 'reverted in the shadow step' : `reverted at ${stepLabel(s.step, p)}`}: ${reason}`);
    case 'pending':
    case 'inconclusive':
    case 'invalid':
      // Holding is not a transition: the verdict and its reason are shown as they are.
      return unchanged(s);
    default:
      return assertNever(outcome);
  }
}

function onGateResult(s: RolloutState, e: RolloutEvent & { type: 'gateResult' }, p: RolloutPolicy): TransitionResult {
  if (e.purpose === 'afterPromotion') return onAfterPromotionResult(s, e);
  // A result from a run that was cancelled (pause, abort, new revision) no longer applies.
  if (s.phase !== 'progressing' || s.gating !== e.purpose || s.gateRun !== e.run) return unchanged(s);
  const when = e.purpose === 'start' ? 'before the first step' : 'before promotion';
  if (!e.passed) return revert(s, e.at, `gate failed ${when}: ${e.reason}`);
  if (e.purpose === 'start') return firstStep(s, p, e.at, `gates passed ${when}: ${e.reason}`);
  return promote(s, p, e.at, `gates passed ${when}: ${e.reason}`);
}

function describeCanary(p: RolloutPolicy): string {
  return p.revision !== null ? `revision ${p.revision}` : 'endpoint set';
}
