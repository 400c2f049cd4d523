/**
 * The operator's actions (promote, abort, pause, resume, set a weight) as cases of
 * `transition()`: what each does in each phase, and what it refuses with the way out.
 */
import { assertNever, enterStep, move, promote, refuse, revert, startRollout, stepLabel } from './moves.js';
import type { Phase, RolloutPolicy, RolloutState, TransitionResult } from './types.js';

const ALREADY_PROMOTED = 'already promoted; deploy a new canary revision to start another rollout';

/** The phases of a rollout: the ones an operator action on it can act on. */
type RolloutPhase = Exclude<Phase, 'stable' | 'manual'>;

/**
 * Operator actions on the rollout need a canary, a rollout block and a route in a rollout (not
 * `stable` or `manual`): the phase to act on, or the refusal that says what to do instead.
 */
function rolloutPhase(s: RolloutState, p: RolloutPolicy, instead: string): RolloutPhase | TransitionResult {
  if (p.identity === null) return refuse(s, 'NO_CANARY', 'the route has no canary; add canary.endpoints to the config first');
  if (!p.automated) return refuse(s, 'NO_ROLLOUT', 'the route has no rollout block; set its share with `cutover weight ROUTE PERCENT` or add a rollout block to the config');
  if (s.phase === 'stable' || s.phase === 'manual') return refuse(s, 'INVALID_PHASE', `the route is ${s.phase}, not in a rollout; ${instead}`);
  return s.phase;
}

export function onPromote(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  const phase = rolloutPhase(s, p, 'reload the config with a canary to start one');
  if (typeof phase !== 'string') return phase;
  switch (phase) {
    case 'shadowing':
    case 'progressing':
    case 'paused':
    case 'reverted':
      return promote(s, p, at, 'promoted by the operator (analysis and gates skipped)');
    case 'promoted':
      return refuse(s, 'INVALID_PHASE', ALREADY_PROMOTED);
    default:
      return assertNever(phase);
  }
}

export function onAbort(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  const phase = rolloutPhase(s, p, 'nothing to abort');
  if (typeof phase !== 'string') return phase;
  switch (phase) {
    case 'shadowing':
    case 'progressing':
    case 'paused':
    case 'promoted':
      return revert(s, at, 'aborted by the operator');
    case 'reverted':
      return refuse(s, 'INVALID_PHASE', 'already reverted: all traffic is on stable; `resume` restarts the rollout from the first step');
    default:
      return assertNever(phase);
  }
}

export function onPause(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  const phase = rolloutPhase(s, p, 'nothing to pause');
  if (typeof phase !== 'string') return phase;
  switch (phase) {
    case 'shadowing':
    case 'progressing':
      return move(s, { phase: 'paused', gating: null }, `paused by the operator at ${s.weight}%`, at, [{ type: 'stopStep' }, { type: 'cancelGate' }]);
    case 'paused':
      return refuse(s, 'INVALID_PHASE', 'already paused; `resume` continues the rollout');
    case 'promoted':
      return refuse(s, 'INVALID_PHASE', 'promoted: there is nothing to pause; `abort` moves all traffic back to stable');
    case 'reverted':
      return refuse(s, 'INVALID_PHASE', 'reverted: all traffic is already on stable; `resume` restarts the rollout from the first step');
    default:
      return assertNever(phase);
  }
}

export function onResume(s: RolloutState, at: number, p: RolloutPolicy): TransitionResult {
  const phase = rolloutPhase(s, p, 'nothing to resume');
  if (typeof phase !== 'string') return phase;
  switch (phase) {
    case 'paused':
      if (s.step < 0) return startRollout(s, p, at, 'resumed by the operator');
      return enterStep(s, s.step, p, at, `resumed by the operator at ${stepLabel(s.step, p)} with fresh evidence`);
    case 'reverted':
      return startRollout(s, p, at, 'resumed by the operator after a revert: restarting from the first step');
    case 'shadowing':
    case 'progressing':
      return refuse(s, 'INVALID_PHASE', `already ${phase}; \`pause\` holds it, \`promote\` or \`abort\` ends it`);
    case 'promoted':
      return refuse(s, 'INVALID_PHASE', ALREADY_PROMOTED);
    default:
      return assertNever(phase);
  }
}

export function onSetWeight(s: RolloutState, at: number, weight: number, p: RolloutPolicy): TransitionResult {
  if (!Number.isFinite(weight) || weight < 0 || weight > 100) return refuse(s, 'INVALID_WEIGHT', `weight ${String(weight)}: must be a percent from 0 to 100`);
  if (p.identity === null) return refuse(s, 'NO_CANARY', 'the route has no canary; add canary.endpoints to the config first');
  if (!p.automated) return move(s, { phase: 'manual', weight, gating: null }, `weight set to ${weight}% by the operator`, at, []);
  return move(s, { phase: 'paused', weight, gating: null }, `weight set to ${weight}% by the operator; the rollout is paused until \`resume\``, at, [
    { type: 'stopStep' },
    { type: 'cancelGate' },
  ]);
}
