import type { AnalysisPolicy } from '../analysis/index.js';
import type { RouteConfig } from '../config/schema.js';
import type { RolloutPolicy } from './types.js';

/**
 * Which canary a state is about: its revision and its endpoint set. Either changing starts a new
 * rollout (DESIGN.md), so both are in the key; endpoint order does not matter.
 */
export function canaryIdentity(route: RouteConfig): string | null {
  if (!route.canary) return null;
  return JSON.stringify([route.canary.revision ?? null, [...route.canary.endpoints].sort()]);
}

/**
 * The steps as the phase machine walks them: the configured ones, then promotion at 100 %.
 * A list that stops short of 100 (say [1, 5, 10]) still ends in promotion after its last step.
 */
export function rolloutSteps(route: RouteConfig): number[] {
  const steps = [...(route.rollout?.steps ?? [])];
  if (steps.length === 0 || steps[steps.length - 1]! < 100) steps.push(100);
  return steps;
}

export function rolloutPolicy(route: RouteConfig): RolloutPolicy {
  return {
    automated: route.rollout !== undefined && route.canary !== undefined,
    steps: rolloutSteps(route),
    gateCount: route.rollout?.gates.length ?? 0,
    afterPromotionGateCount: route.rollout?.afterPromotion.length ?? 0,
    shadow: route.rollout?.shadow !== undefined,
    configWeight: route.canary ? route.weight : 0,
    identity: canaryIdentity(route),
    revision: route.canary?.revision ?? null,
  };
}

/** The analysis knobs of a route's rollout block; null without one. */
export function analysisPolicy(route: RouteConfig): AnalysisPolicy | null {
  const r = route.rollout;
  if (!r) return null;
  return {
    minStepDurationMs: r.minStepDuration,
    maxStepDurationMs: r.maxStepDuration,
    minSamples: r.minSamples,
    errorTolerance: r.errorRate.tolerance,
    latencyQuantile: r.latency.quantile,
    latencyTolerance: r.latency.tolerance,
    falseRollbackRate: r.falseRollbackRate,
    // The shadow step is analysed too, so it takes its share of the false-rollback budget.
    analysedSteps: Math.max(1, rolloutSteps(route).filter((w) => w < 100).length + (r.shadow ? 1 : 0)),
    // Sticky clients make requests correlated: the analysis tightens its budgets (docs/rollouts.md).
    clusteredTraffic: route.sticky !== undefined,
  };
}
