/**
 * One route's rollout as the controller holds it, and how traffic reaches its analysis: the
 * data plane's window → the stable baseline → the current step → the step's verdict.
 */
import { ShadowWindow, StableBaseline, StepAnalysis, type AnalysisPolicy, type ShadowStepAnalysis, type ShadowVerdict, type StepVerdict } from '../analysis/index.js';
import type { RouteConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { TrafficWindow } from '../analysis/window.js';
import type { RouteState } from '../routing/route-state.js';
import { withChecks } from './checks/combined-verdict.js';
import { reconfigureChecks } from './checks/route-checks.js';
import type { StepChecks } from './checks/step-checks.js';
import { LiveStats } from './live.js';
import { drainShadow, shadowVerdictEvent } from './shadow-step.js';
import { analysisPolicy } from './policy.js';
import { initialRolloutState } from './transition.js';
import type { RolloutEvent, RolloutPolicy, RolloutState } from './types.js';

/**
 * Where a route's analysed traffic comes from. Without it, the data plane's own window; a fleet
 * hands its local window on (tagged with the weight it was drawn at) and returns the fleet's sum.
 */
export interface WindowSource {
  take(route: string, local: TrafficWindow, weight: number): TrafficWindow;
}

export interface RouteRollout {
  readonly name: string;
  routeState: RouteState;
  config: RouteConfig;
  policy: RolloutPolicy;
  analysis: AnalysisPolicy | null;
  state: RolloutState;
  readonly baseline: StableBaseline;
  step: StepAnalysis | null;
  /** The latest verdict of the current (or, after it ended, the last) step. */
  verdict: StepVerdict | null;
  readonly live: LiveStats;
  gate: AbortController | null;
  readonly windows: WindowSource | null;
  /** The current (or, after it ended, the last) step's rollout.checks. */
  checks: StepChecks | null;
  /** Failed check evaluations since start, per check name (cutover_check_failures_total). */
  readonly checkFailures: Map<string, number>;
  /** The shadow step's analysis while shadowing (shadow-step.ts), else null. */
  shadowStep: ShadowStepAnalysis | null;
  /** Its latest verdict; kept after the step ends, for the API. */
  shadowVerdict: ShadowVerdict | null;
  /** The window swapped in at the next drain, so draining allocates nothing. */
  shadowSpare: ShadowWindow;
}

export function newRouteRollout(rc: RouteConfig, routeState: RouteState, policy: RolloutPolicy, at: number, windows: WindowSource | null = null): RouteRollout {
  return {
    name: rc.name, routeState, config: rc, policy, analysis: analysisPolicy(rc), state: initialRolloutState(at),
    baseline: new StableBaseline(), step: null, verdict: null, live: new LiveStats(), gate: null, windows,
    checks: null, checkFailures: new Map(),
    shadowStep: null, shadowVerdict: null, shadowSpare: new ShadowWindow(),
  };
}

/**
 * Points a route's rollout at its reloaded config, ahead of the `config` transition; the weight
 * changes here only where waiting for that transition would be wrong.
 */
export function reconfigure(r: RouteRollout, rc: RouteConfig, routeState: RouteState, policy: RolloutPolicy): void {
  const before = r.config;
  r.routeState = routeState;
  r.config = rc;
  reconfigureChecks(r, before);
  r.policy = policy;
  r.analysis = analysisPolicy(rc);
  // A new canary must not inherit the old one's share, not even while the transition is persisted.
  if (policy.identity !== r.state.identity && (policy.automated || policy.identity === null)) {
    routeState.weight = 0;
    r.step = null;
  } else if (!policy.automated && (r.state.automated || r.state.identity !== policy.identity || r.state.configWeight !== policy.configWeight)) {
    // A static weight lives in the config file, which is already its durable record: apply it
    // with the table swap, as reload() promises; the transition that follows records it.
    routeState.weight = policy.configWeight;
  }
}

/** Hands the data plane's window to the baseline, the current step and the live view. */
export function drain(r: RouteRollout, now: number): void {
  const local = r.routeState.drainWindow();
  const window = r.windows ? r.windows.take(r.name, local, r.routeState.weight) : local;
  r.baseline.ingest(window, now);
  r.step?.ingest(window, now, r.baseline);
  r.live.add(window, now);
  drainShadow(r, now);
}

/** One tick of a route: drains its window; the verdict event once a progressing step passes or fails. */
export function analyse(r: RouteRollout, monoNow: () => number, wallNow: () => number): RolloutEvent | null {
  drain(r, monoNow());
  if (r.state.phase === 'shadowing') return shadowVerdictEvent(r, monoNow(), wallNow());
  if (!r.step || r.state.phase !== 'progressing') return null;
  const verdict = r.step.verdict(monoNow());
  r.verdict = r.checks && !r.checks.stopped ? withChecks(verdict, r.checks.verdict()) : verdict;
  const { outcome, reason } = r.verdict;
  return outcome === 'pass' || outcome === 'fail' ? { type: 'verdict', at: wallNow(), outcome, reason } : null;
}

/** Fresh evidence for a step at `weight`: none to gather at 0 % or 100 %, or without an analysis block. */
export function startAnalysis(r: RouteRollout, weight: number, monoNow: () => number, log: Logger): StepAnalysis | null {
  if (!r.analysis || weight <= 0 || weight >= 100) return null;
  try {
    return StepAnalysis.start(weight, monoNow(), r.analysis);
  } catch (err) {
    // The step holds (never advances) rather than taking the whole controller down.
    log.error({ route: r.name, code: (err as { code?: string }).code }, `cannot analyse this step, holding it: ${(err as Error).message}; fix the route's rollout block`);
    return null;
  }
}
