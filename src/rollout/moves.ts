/**
 * The building blocks of `transition()`: each returns the next state and the effects of one
 * kind of move (enter a step, run the gates, promote, revert), or a refusal. Pure, like it.
 */
import type {
  GatePurpose, Refusal, RefusalCode, RolloutEffect, RolloutPolicy, RolloutState, TransitionRecord, TransitionResult,
} from './types.js';

export const HISTORY_LIMIT = 50;

export function unchanged(state: RolloutState): TransitionResult {
  return { next: state, effects: [] };
}

export function refuse(state: RolloutState, code: RefusalCode, message: string): TransitionResult {
  const refusal: Refusal = { code, message };
  return { next: state, effects: [], refusal };
}

/**
 * A transition that takes effect: persisted first, then the weight, then the given effects,
 * then recorded (history, notify, log). The weight is always set, even when equal, because the
 * data plane may have been clamped to 0 while the transition was waiting.
 */
export function move(s: RolloutState, patch: Partial<RolloutState>, reason: string, at: number, effects: RolloutEffect[]): TransitionResult {
  const next: RolloutState = { ...s, ...patch, reason };
  const record: TransitionRecord = { at, from: s.phase, to: next.phase, weight: next.weight, step: next.step, reason };
  next.history = [...s.history, record].slice(-HISTORY_LIMIT);
  // Leaving the shadow step by any way (pass, revert, pause, abort, new canary) stops the mirroring.
  const leaving: RolloutEffect[] = s.phase === 'shadowing' && next.phase !== 'shadowing' ? [{ type: 'stopShadow' }] : [];
  const level = next.phase === 'reverted' || (next.phase === 'paused' && next.weight === 0 && s.phase !== 'paused') ? 'warn' : 'info';
  return {
    next,
    effects: [
      { type: 'persist' },
      { type: 'setWeight', weight: next.weight },
      ...leaving,
      ...effects,
      { type: 'notify', transition: record },
      { type: 'log', level, message: `${s.phase} → ${next.phase} at ${next.weight}%: ${reason}` },
    ],
  };
}

export function stepLabel(i: number, p: RolloutPolicy): string {
  return `step ${i + 1}/${p.steps.length} (${p.steps[i]}%)`;
}

function gateWord(n: number): string {
  return n === 1 ? '1 gate' : `${n} gates`;
}

export function canaryOf(p: RolloutPolicy): Partial<RolloutState> {
  return { identity: p.identity, revision: p.revision, automated: p.automated, configWeight: p.configWeight };
}

/** Step i with fresh evidence; the 100 % step is promotion, behind the gates when there are any. */
export function enterStep(s: RolloutState, i: number, p: RolloutPolicy, at: number, reason: string): TransitionResult {
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

export function promote(s: RolloutState, p: RolloutPolicy, at: number, reason: string): TransitionResult {
  const patch: Partial<RolloutState> = { phase: 'promoted', step: p.steps.length - 1, weight: 100, stepStartedAt: at, gating: null };
  const effects: RolloutEffect[] = [{ type: 'stopStep' }, { type: 'cancelGate' }];
  const after = p.afterPromotionGateCount ?? 0;
  if (after > 0) {
    // The result is recorded as its own transition (after-promotion.ts); promotion does not wait for it.
    const run = s.gateRun + 1;
    Object.assign(patch, { gating: 'afterPromotion', gateRun: run });
    effects.push({ type: 'runGate', purpose: 'afterPromotion', run });
    reason = `${reason}; running ${gateWord(after)} after promotion`;
  }
  return move(s, patch, reason, at, effects);
}

export function revert(s: RolloutState, at: number, reason: string): TransitionResult {
  return move(s, { phase: 'reverted', weight: 0, gating: null }, reason, at, [
    { type: 'stopStep' },
    { type: 'cancelGate' },
    { type: 'closeCanaryTunnels' },
  ]);
}

/** From the first step: the gates first when there are any, else the shadow step or step 1 at once. */
export function startRollout(s: RolloutState, p: RolloutPolicy, at: number, reason: string): TransitionResult {
  const base = { ...s, ...canaryOf(p) };
  if (p.gateCount > 0) {
    return runGates(base, 'start', { step: -1, weight: 0, stepStartedAt: at }, `${reason}; running ${gateWord(p.gateCount)} before the first step`, at);
  }
  return firstStep(base, p, at, reason);
}

/** After the start gates: the shadow step when there is one, else step 1. */
export function firstStep(s: RolloutState, p: RolloutPolicy, at: number, reason: string): TransitionResult {
  return p.shadow ? enterShadow(s, at, `${reason}; shadow step: mirroring reads to the canary, no user is served by it`) : enterStep(s, 0, p, at, reason);
}

/** The shadow step: weight 0 (no user on the canary), a share of reads mirrored and compared. */
export function enterShadow(s: RolloutState, at: number, reason: string): TransitionResult {
  return move(s, { phase: 'shadowing', step: -1, weight: 0, stepStartedAt: at, gating: null }, reason, at, [
    { type: 'cancelGate' },
    { type: 'stopStep' },
    { type: 'startShadow' },
  ]);
}

export function assertNever(x: never): never {
  throw new Error(`unhandled rollout case: ${JSON.stringify(x)}`);
}
