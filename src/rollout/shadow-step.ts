/**
 * The controller's side of the shadow step: it switches the data plane's mirroring on and off
 * through RouteState, drains the compared pairs into the pure ShadowStepAnalysis, and turns its
 * verdict into the `verdict` event of the phase machine (transition.ts, phase `shadowing`).
 */
import { ShadowStepAnalysis } from '../analysis/index.js';
import { DEFAULT_SHADOW } from '../config/defaults.js';
import type { Logger } from '../log.js';
import type { RouteRollout } from './route-rollout.js';
import type { RolloutEvent } from './types.js';

/** Examples quoted in a revert's reason; the API keeps DEFAULT_SHADOW.examples. */
const EXAMPLES_IN_REASON = 3;

export function startShadowStep(r: RouteRollout, monoNow: number, log: Logger): void {
  const shadow = r.config.rollout?.shadow;
  r.shadowVerdict = null;
  if (!shadow || !r.analysis || r.config.canary === undefined) {
    r.shadowStep = null;
    log.error({ route: r.name }, 'cannot shadow: the route has no canary or no rollout.shadow block; holding at 0% — fix the config or `cutover abort`');
    return;
  }
  try {
    r.shadowStep = new ShadowStepAnalysis(monoNow, r.analysis, shadow.mismatchTolerance);
  } catch (err) {
    r.shadowStep = null;
    log.error({ route: r.name, code: (err as { code?: string }).code }, `cannot analyse the shadow step, holding it: ${(err as Error).message}; fix the route's rollout block`);
    return;
  }
  r.routeState.startShadow(shadow.share, DEFAULT_SHADOW.examples);
}

export function stopShadowStep(r: RouteRollout, monoNow: number): void {
  // What was compared until now still counts for the verdict shown afterwards.
  drainShadow(r, monoNow);
  if (r.shadowStep) r.shadowVerdict = r.shadowStep.verdict(monoNow);
  r.shadowStep = null;
  r.routeState.stopShadow();
}

export function drainShadow(r: RouteRollout, now: number): void {
  const filled = r.routeState.drainShadowWindow(r.shadowSpare);
  if (filled === null) return;
  r.shadowStep?.ingest(filled, now, r.baseline);
  // The filled window is the next spare: two windows per route, no allocation per tick.
  r.shadowSpare = filled;
}

/** The verdict event once the shadow step passes or fails; null while it holds. */
export function shadowVerdictEvent(r: RouteRollout, monoNow: number, wallNow: number): RolloutEvent | null {
  if (!r.shadowStep) return null;
  const v = r.shadowStep.verdict(monoNow);
  r.shadowVerdict = v;
  if (v.outcome === 'pass') return { type: 'verdict', at: wallNow, outcome: 'pass', reason: v.reason };
  if (v.outcome !== 'fail') return null;
  const examples = r.routeState.shadowExamples.slice(-EXAMPLES_IN_REASON).map((e) => `${e.method} ${e.path} (${e.part}): ${e.diff}`);
  const eg = examples.length > 0 ? `; e.g. ${examples.join('; ')}` : '';
  return { type: 'verdict', at: wallNow, outcome: 'fail', reason: `${v.reason}${eg}` };
}
