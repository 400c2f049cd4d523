/**
 * The rollout part of a route's JSON (admin API, SSE stats, `cutover status`, the dashboard).
 * The shape is a contract: see docs/admin-api.md.
 */
import type { StepVerdict, TestEvidence } from '../analysis/index.js';
import { shadowView, type ShadowView } from './shadow-view.js';
import type { RouteRollout } from './controller.js';
import { checkViews, type CheckView } from './checks/view.js';
import type { Live } from './live.js';

/** The JSON of a step's verdict: what `StepVerdict` says, with each test cut to what readers use. */
export type VerdictView = Pick<StepVerdict, 'outcome' | 'reason' | 'canary' | 'stable' | 'srmLogE' | 'elapsedMs' | 'revertLogThreshold' | 'advanceLogThreshold'> & {
  tests: Pick<TestEvidence, 'metric' | 'label' | 'revertLogE' | 'advanceLogE' | 'accepted' | 'rejected' | 'canaryEvents' | 'stableEvents'>[];
};

export interface RolloutView {
  step: number;
  steps: number[];
  stepStartedAt: string;
  revision: string | null;
  reason: string | null;
  verdict: VerdictView | null;
  /** rollout.checks with their latest values, bounds and failures in the current (or last) step. */
  checks?: CheckView[];
  /** The shadow step, when the rollout has one (rollout.shadow): its verdict and the latest mismatches. */
  shadow?: ShadowView | null;
}

export interface HistoryView { at: string; from: string; to: string; weight: number; step: number; reason: string }

export interface RolloutFields {
  rollout: RolloutView | null;
  history: HistoryView[];
  live: { stable: Live; canary: Live | null };
}

export function rolloutFields(r: RouteRollout, monoNow: number): RolloutFields {
  const s = r.state;
  const live = r.live.summary(monoNow);
  return {
    rollout: r.policy.automated
      ? {
        step: s.step,
        steps: [...r.policy.steps],
        stepStartedAt: new Date(s.stepStartedAt).toISOString(),
        revision: s.revision,
        reason: s.reason,
        verdict: r.verdict ? verdictView(r.verdict) : null,
        checks: checkViews(r.config.rollout?.checks ?? [], r.checks),
        shadow: shadowView(r),
      }
      : null,
    history: s.history.map((h) => ({ at: new Date(h.at).toISOString(), from: h.from, to: h.to, weight: h.weight, step: h.step, reason: h.reason })),
    live: { stable: live.stable, canary: r.policy.identity !== null ? live.canary : null },
  };
}

function verdictView(v: StepVerdict): VerdictView {
  return {
    outcome: v.outcome,
    reason: v.reason,
    tests: v.tests.map((t) => ({
      metric: t.metric, label: t.label, revertLogE: finite(t.revertLogE), advanceLogE: finite(t.advanceLogE),
      accepted: t.accepted, rejected: t.rejected, canaryEvents: t.canaryEvents, stableEvents: t.stableEvents,
    })),
    canary: { ...v.canary },
    stable: { ...v.stable },
    srmLogE: finite(v.srmLogE),
    elapsedMs: Math.round(v.elapsedMs),
    revertLogThreshold: finite(v.revertLogThreshold),
    advanceLogThreshold: finite(v.advanceLogThreshold),
  };
}

/** JSON has no ±Infinity; a log e-value this large or small says the same thing. */
const LOG_E_LIMIT = 1e6;
function finite(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-LOG_E_LIMIT, Math.min(LOG_E_LIMIT, x));
}
