/**
 * The vocabulary of the rollout phase machine: what is persisted per route, what can happen to
 * it, and what the controller must do about it. Plain data only, so `transition` stays pure and
 * the state file is a straight serialisation.
 */
import type { StepOutcome } from '../analysis/index.js';
import type { RoutePhase } from '../routing/route-state.js';

export type Phase = RoutePhase;
export const PHASES: readonly Phase[] = ['stable', 'shadowing', 'progressing', 'paused', 'promoted', 'reverted', 'manual'];

/** Gates run before the first step and again before promotion; `afterPromotion` ones once promoted. */
export type GatePurpose = 'start' | 'promote' | 'afterPromotion';

/** One transition, as kept in the route's history, notified and streamed. `at` is epoch ms. */
export interface TransitionRecord {
  at: number;
  from: Phase;
  to: Phase;
  weight: number;
  step: number;
  reason: string;
}

/** Everything that survives a restart. Times are epoch milliseconds (wall clock). */
export interface RolloutState {
  phase: Phase;
  /** Index into the policy's steps; -1 before the first step. */
  step: number;
  /** Percent of requests to the canary that this state asks for. */
  weight: number;
  stepStartedAt: number;
  /** Which canary this state is about (revision and endpoint set); null when there is none. */
  identity: string | null;
  revision: string | null;
  /** True when the route has a rollout block (automated), false for a static weight. */
  automated: boolean;
  /** The config's `weight:` when this state was made: an unchanged one leaves a runtime weight alone. */
  configWeight: number | null;
  reason: string | null;
  /** Gates in flight; a state file with this set re-runs them after a restart. */
  gating: GatePurpose | null;
  /** Id of the latest gate run, so a late result of a cancelled run is ignored. */
  gateRun: number;
  /** Oldest first, at most HISTORY_LIMIT. */
  history: TransitionRecord[];
}

/** What the current config says about a route, digested for the phase machine. */
export interface RolloutPolicy {
  automated: boolean;
  /** Canary weights in percent, ascending, always ending at 100 (promotion). */
  steps: readonly number[];
  gateCount: number;
  /** `rollout.afterPromotion` gates, run once the canary is promoted (e.g. the contract migration's check). */
  afterPromotionGateCount?: number;
  /** The rollout has a shadow step (rollout.shadow) between the start gates and the first step. */
  shadow?: boolean;
  configWeight: number;
  identity: string | null;
  revision: string | null;
}

export type RolloutEvent =
  /** The config was (re)loaded; the policy argument is the new one. */
  | { type: 'config'; at: number }
  /** First config after start: `saved` is this route's entry of the state file, `problem` why the file was unusable. */
  | { type: 'restore'; at: number; saved: RolloutState | null; problem: string | null }
  /** The current step's analysis, evaluated on a tick. */
  | { type: 'verdict'; at: number; outcome: StepOutcome; reason: string }
  | { type: 'gateResult'; at: number; run: number; purpose: GatePurpose; passed: boolean; reason: string }
  | { type: 'promote'; at: number }
  | { type: 'abort'; at: number }
  | { type: 'pause'; at: number }
  | { type: 'resume'; at: number }
  | { type: 'setWeight'; at: number; weight: number };

export type OperatorAction = 'promote' | 'abort' | 'pause' | 'resume' | 'setWeight';

export type RolloutEffect =
  /** Write the state file with the next state; must succeed before the rest takes effect. */
  | { type: 'persist' }
  | { type: 'setWeight'; weight: number }
  /** Begin a step's analysis with fresh evidence at this weight. */
  | { type: 'startStep'; weight: number }
  | { type: 'stopStep' }
  /** Mirror `rollout.shadow.share` of reads to the canary and analyse the pairs (phase shadowing). */
  | { type: 'startShadow' }
  | { type: 'stopShadow' }
  | { type: 'runGate'; purpose: GatePurpose; run: number }
  | { type: 'cancelGate' }
  /** WebSocket clients on the canary reconnect, to stable. */
  | { type: 'closeCanaryTunnels' }
  | { type: 'notify'; transition: TransitionRecord }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export type RefusalCode = 'INVALID_PHASE' | 'NO_CANARY' | 'NO_ROLLOUT' | 'INVALID_WEIGHT';

/** An operator action that makes no sense in the current phase, with what would. */
export interface Refusal {
  code: RefusalCode;
  message: string;
}

export interface TransitionResult {
  next: RolloutState;
  effects: RolloutEffect[];
  refusal?: Refusal;
}
