/**
 * Carries out the effects `transition()` returns, except `persist`, which the controller awaits
 * itself because the weight must not go up before the transition is on disk.
 */
import type { Logger } from '../log.js';
import { startChecks } from './checks/route-checks.js';
import { drain, startAnalysis, type RouteRollout } from './route-rollout.js';
import { startShadowStep, stopShadowStep } from './shadow-step.js';
import type { GatePurpose, RolloutEffect, TransitionRecord } from './types.js';

/** What the effects need from the controller that runs them. */
export interface EffectHost {
  readonly log: Logger;
  monoNow(): number;
  wallNow(): number;
  closeTunnels(route: string, version: 'canary'): number;
  runGate(r: RouteRollout, purpose: GatePurpose, run: number): void;
  announce(r: RouteRollout, t: TransitionRecord): void;
}

export function executeEffect(host: EffectHost, r: RouteRollout, effect: Exclude<RolloutEffect, { type: 'persist' }>): void {
  switch (effect.type) {
    case 'setWeight':
      // Requests so far were drawn at the old weight: they belong to the old step.
      drain(r, host.monoNow());
      r.routeState.weight = effect.weight;
      return;
    case 'startStep':
      r.step = startAnalysis(r, effect.weight, () => host.monoNow(), host.log);
      r.verdict = r.step ? r.step.verdict(host.monoNow()) : null;
      r.checks?.stop();
      r.checks = startChecks(r, effect.weight, host.log, () => host.wallNow());
      return;
    case 'stopStep':
      r.step = null;
      r.checks?.stop();
      return;
    case 'startShadow':
      startShadowStep(r, host.monoNow(), host.log);
      return;
    case 'stopShadow':
      stopShadowStep(r, host.monoNow());
      return;
    case 'runGate':
      host.runGate(r, effect.purpose, effect.run);
      return;
    case 'cancelGate':
      r.gate?.abort();
      r.gate = null;
      return;
    case 'closeCanaryTunnels':
      host.closeTunnels(r.name, 'canary');
      return;
    case 'notify':
      host.announce(r, effect.transition);
      return;
    case 'log':
      host.log[effect.level]({ route: r.name, phase: r.state.phase, step: r.state.step, weight: r.state.weight }, effect.message);
      return;
    default:
      assertNever(effect);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled rollout effect: ${JSON.stringify(x)}`);
}
