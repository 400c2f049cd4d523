/**
 * The rollout as one pure function: (state, event, policy) → next state and the effects the
 * controller must carry out. No clock, no I/O, no randomness: every case is a unit test.
 */
import type { StepOutcome } from '../analysis/index.js';
import type {
  GatePurpose, Phase, Refusal, RefusalCode, RolloutEffect, RolloutEvent, RolloutPolicy, RolloutState, TransitionRecord, TransitionResult,
} from './types.js';

export const HISTORY_LIMIT = 50;

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

// ---- building blocks ------------------------------------------------------------------------

function unchanged(state: RolloutState): TransitionResult {
  return { next: state, effects: [] };
}

function refuse(state: RolloutState, code: RefusalCode, message: string): TransitionResult {
  const refusal: Refusal = { code, message };
  return { next: state, effects: [], refusal };
}

/**
 * A transition that takes effect: persisted first, then the weight, then the given effects,
 * then recorded (history, notify, log). The weight is always set, even when equal, because the
 * data plane may have been clamped to 0 while the transition was waiting.
 */
function move(s: RolloutState, patch: Partial<RolloutState>, reason: string, at: number, effects: RolloutEffect[]): TransitionResult {
  const next: RolloutState = { ...s, ...patch, reason };
  const record: TransitionRecord = { at, from: s.phase, to: next.phase, weight: next.weight, step: next.step, reason };
  next.history = [...s.history, record].slice(-HISTORY_LIMIT);
  const level = next.phase === 'reverted' || (next.phase === 'paused' && next.weight === 0 && s.phase !== 'paused') ? 'warn' : 'info';
  return {
    next,
    effects: [
      { type: 'persist' },
      { type: 'setWeight', weight: next.weight },
      ...effects,
      { type: 'notify', transition: record },
      { type: 'log', level, message: `${s.phase} → ${next.phase} at ${next.weight}%: ${reason}` },
    ],
  };
}

function stepLabel(i: number, p: RolloutPolicy): string {
  return `step ${i + 1}/${p.steps.length} (${p.steps[i]}%)`;
}

function gateWord(n: number): string {
  return n === 1 ? '1 gate' : `${n} gates`;
}

function canaryOf(p: RolloutPolicy): Partial<RolloutState> {
  return { identity: p.identity, revision: p.revision, automated: p.automated, configWeight: p.configWeight };
}

/** Step i with fresh evidence; the 100 % step is promotion, behind the gates when there are any. */
function enterStep(s: RolloutState, i: number, p: RolloutPolicy, at: number, reason: string): TransitionResult {
  const weight = p.steps[i];
  if (weight === undefined || weight >= 100) return promoteOrGate(s, p, at, reason);
  return move(s, { phase: 'progressing', step: i, weight, stepStartedAt: at, gating: null }, reason, at, [
    { type: 'cancelGate' },
    { type: 'startStep', weight },
  ]);
}

function runGates(s: RolloutState, purpose: GatePurpose, patch: Partial<RolloutState>, reason: string, at: number): TransitionResult {
  const run = s.gateRun + 1;
  return move(s, { ...patch, phase: 'progressing', gating: purpose, gateRun: run }, reason, at, [
    { type: 'stopStep' },
    { type: 'runGate', purpose, run },
  ]);
}

function promoteOrGate(s: RolloutState, p: RolloutPolicy, at: number, reason: string): TransitionResult {
  if (p.gateCount > 0) return runGates(s, 'promote', {}, `${reason}; running ${gateWord(p.gateCount)} before promotion`, at);
  return promote(s, p, at, reason);
}

function promote(s: RolloutState, p: RolloutPolicy, at: number, reason: string): TransitionResult {
  return move(s, { phase: 'promoted', step: p.steps.length - 1, weight: 100, stepStartedAt: at, gating: null }, reason, at, [
    { type: 'stopStep' },
    { type: 'cancelGate' },
  ]);
}

function revert(s: RolloutState, at: number, reason: string): TransitionResult {
  return move(s, { phase: 'reverted', weight: 0, gating: null }, reason, at, [
    { type: 'stopStep' },
    { type: 'cancelGate' },
    { type: 'closeCanaryTunnels' },
  ]);
}

/** From the first step: the gates first when there are any, else step 1 at once. */
function startRollout(s: RolloutState, p: RolloutPolicy, at: number, reason: string): TransitionResult {
  const base = { ...s, ...canaryOf(p) };
  if (p.gateCount > 0) {
    return runGates(base, 'start', { step: -1, weight: 0, stepStartedAt: at }, `${reason}; running ${gateWord(p.gateCount)} before the first step`, at);
  }
  return enterStep(base, 0, p, at, reason);
}

function describeCanary(p: RolloutPolicy): string {
  return p.revision !== null ? `revision ${p.revision}` : 'endpoint set';
}

/** Operator actions on the rollout need a canary and a rollout block; says what to do instead. */
function needsRollout(s: RolloutState, p: RolloutPolicy): TransitionResult | null {
  if (p.identity === null) return refuse(s, 'NO_CANARY', 'the route has no canary; add canary.endpoints to the config first');
  if (!p.automated) return refuse(s, 'NO_ROLLOUT', 'the route has no rollout block; set its share with `cutover weight ROUTE PERCENT` or add a rollout block to the config');
  return null;
}

const ALREADY_PROMOTED = 'already promoted; deploy a new canary revision to start another rollout';

/** An operator action on a route in `stable` or `manual`, which has no rollout to act on. */
function notInRollout(s: RolloutState, instead: string): TransitionResult {
  return refuse(s, 'INVALID_PHASE', `the route is ${s.phase}, not in a rollout; ${instead}`);
}

// ---- events ---------------------------------------------------------------------------------

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
  if (next.phase === 'progressing' && next.gating !== null) effects.push({ type: 'runGate', purpose: next.gating, run: next.gateRun });
  else if (next.phase === 'progressing' && next.step >= 0) effects.push({ type: 'startStep', weight: next.weight });
  const where = next.step >= 0 ? ` at ${stepLabel(next.step, p)}` : '';
  effects.push({ type: 'log', level: 'info', message: `resumed from the state file: ${next.phase}${where}, weight ${next.weight}%; the step's evidence starts again from zero` });
  return { next, effects };
}

function onVerdict(s: RolloutState, at: number, outcome: StepOutcome, reason: string, p: RolloutPolicy): TransitionResult {
  if (s.phase !== 'progressing' || s.gating !== null || s.step < 0) return unchanged(s);
  switch (outcome) {
    case 'pass':
      return enterStep(s, s.step + 1, p, at, `${stepLabel(s.step, p)} passed: ${reason}`);
    case 'fail':
      return revert(s, at, `reverted at ${stepLabel(s.step, p)}: ${reason}`);
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
  // A result from a run that was cancelled (pause, abort, new revision) no longer applies.
  if (s.phase !== 'progressing' || s.gating !== e.purpose || s.gateRun !== e.run) return unchanged(s);
  const when = e.purpose === 'start' ? 'before the first step' : 'before promotion';
  if (!e.passed) return revert(s, e.at, `gate failed ${when}: ${e.reason}`);
  if (e.purpose === 'start') return enterStep(s, 0, p, e.at, `gates passed ${when}: ${e.reason}`);
  return promote(s, p, e.at, `gates passed ${when}: ${e.reason}`);
}

function onPromote(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  const refused = needsRollout(s, p);
  if (refused) return refused;
  switch (s.phase) {
    case 'progressing':
    case 'paused':
    case 'reverted':
      return promote(s, p, at, 'promoted by the operator (analysis and gates skipped)');
    case 'promoted':
      return refuse(s, 'INVALID_PHASE', ALREADY_PROMOTED);
    case 'stable':
    case 'manual':
      return notInRollout(s, 'reload the config with a canary to start one');
    default:
      return assertNever(s.phase);
  }
}

function onAbort(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  const refused = needsRollout(s, p);
  if (refused) return refused;
  switch (s.phase) {
    case 'progressing':
    case 'paused':
    case 'promoted':
      return revert(s, at, 'aborted by the operator');
    case 'reverted':
      return refuse(s, 'INVALID_PHASE', 'already reverted: all traffic is on stable; `resume` restarts the rollout from the first step');
    case 'stable':
    case 'manual':
      return notInRollout(s, 'nothing to abort');
    default:
      return assertNever(s.phase);
  }
}

function onPause(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  const refused = needsRollout(s, p);
  if (refused) return refused;
  switch (s.phase) {
    case 'progressing':
      return move(s, { phase: 'paused', gating: null }, `paused by the operator at ${s.weight}%`, at, [{ type: 'stopStep' }, { type: 'cancelGate' }]);
    case 'paused':
      return refuse(s, 'INVALID_PHASE', 'already paused; `resume` continues the rollout');
    case 'promoted':
      return refuse(s, 'INVALID_PHASE', 'promoted: there is nothing to pause; `abort` moves all traffic back to stable');
    case 'reverted':
      return refuse(s, 'INVALID_PHASE', 'reverted: all traffic is already on stable; `resume` restarts the rollout from the first step');
    case 'stable':
    case 'manual':
      return notInRollout(s, 'nothing to pause');
    default:
      return assertNever(s.phase);
  }
}

function onResume(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  const refused = needsRollout(s, p);
  if (refused) return refused;
  switch (s.phase) {
    case 'paused':
      if (s.step < 0) return startRollout(s, p, at, 'resumed by the operator');
      return enterStep(s, s.step, p, at, `resumed by the operator at ${stepLabel(s.step, p)} with fresh evidence`);
    case 'reverted':
      return startRollout(s, p, at, 'resumed by the operator after a revert: restarting from the first step');
    case 'progressing':
      return refuse(s, 'INVALID_PHASE', 'already progressing; `pause` holds it, `promote` or `abort` ends it');
    case 'promoted':
      return refuse(s, 'INVALID_PHASE', ALREADY_PROMOTED);
    case 'stable':
    case 'manual':
      return notInRollout(s, 'nothing to resume');
    default:
      return assertNever(s.phase);
  }
}

function onSetWeight(s: RolloutState, at: number, weight: number, p: RolloutPolicy): TransitionResult {
  if (!Number.isFinite(weight) || weight < 0 || weight > 100) return refuse(s, 'INVALID_WEIGHT', `weight ${String(weight)}: must be a percent from 0 to 100`);
  if (p.identity === null) return refuse(s, 'NO_CANARY', 'the route has no canary; add canary.endpoints to the config first');
  if (!p.automated) return move(s, { phase: 'manual', weight, gating: null }, `weight set to ${weight}% by the operator`, at, []);
  return move(s, { phase: 'paused', weight, gating: null }, `weight set to ${weight}% by the operator; the rollout is paused until \`resume\``, at, [
    { type: 'stopStep' },
    { type: 'cancelGate' },
  ]);
}

function assertNever(x: never): never {
  throw new Error(`unhandled rollout case: ${JSON.stringify(x)}`);
}
