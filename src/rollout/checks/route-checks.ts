/**
 * A route's rollout.checks, step by step: started with the step's values filled into their
 * templates, and restarted in place when a reload edits them.
 */
import type { TemplateValues } from '../../config/check-template.js';
import type { RouteConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { RouteRollout } from '../route-rollout.js';
import { StepChecks } from './step-checks.js';

/** The step's checks, started now; null without any, or at 0 % / 100 % where there is no step. */
export function startChecks(r: RouteRollout, weight: number, log: Logger, wallNow: () => number): StepChecks | null {
  const checks = r.config.rollout?.checks ?? [];
  if (checks.length === 0 || weight <= 0 || weight >= 100) return null;
  const onFailure = (name: string): void => {
    r.checkFailures.set(name, (r.checkFailures.get(name) ?? 0) + 1);
  };
  return new StepChecks(checks, checkValues(r, weight), { log, wallNow, onFailure }).start();
}

/**
 * After `r.config` became `next`: running checks whose list (or the stable revision they fill in)
 * changed start again with the new list, so fixing a query that holds a step needs no restart.
 */
export function reconfigureChecks(r: RouteRollout, before: RouteConfig): void {
  if (!r.checks || r.checks.stopped || checksKey(before) === checksKey(r.config)) return;
  const checks = r.config.rollout?.checks ?? [];
  r.checks.stop();
  r.checks = checks.length > 0 ? r.checks.replaced(checks, checkValues(r, r.routeState.weight)) : null;
}

function checkValues(r: RouteRollout, weight: number): TemplateValues {
  return {
    route: r.name, step: String(r.state.step + 1), weight: String(weight),
    ...(r.config.canary?.revision !== undefined ? { 'canary.revision': r.config.canary.revision } : {}),
    ...(r.config.stable.revision !== undefined ? { 'stable.revision': r.config.stable.revision } : {}),
  };
}

function checksKey(rc: RouteConfig): string {
  return JSON.stringify([rc.rollout?.checks ?? [], rc.stable.revision ?? null]);
}
