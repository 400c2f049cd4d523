/** The `rollout.shadow` part of a route's JSON (docs/admin-api.md). */
import type { ShadowVerdict } from '../analysis/index.js';
import type { RouteRollout } from './route-rollout.js';

export interface ShadowView {
  /** True while the data plane is mirroring. */
  active: boolean;
  share: number;
  methods: string[];
  mismatchTolerance: number;
  inFlight: number;
  verdict: null | (Pick<ShadowVerdict, 'outcome' | 'reason' | 'pairs' | 'matches' | 'mismatches' | 'errors' | 'dropped'> & {
    elapsedMs: number;
    tests: { metric: string; label: string; revertLogE: number; advanceLogE: number; accepted: boolean; rejected: boolean }[];
  });
  /** Newest last; redacted by the data plane (Authorization, cookies, shadow.redactHeaders; no query string). */
  mismatches: { at: string; method: string; path: string; part: string; diff: string }[];
}

const LOG_E_LIMIT = 1e6;
function finite(x: number): number {
  return Number.isNaN(x) ? 0 : Math.max(-LOG_E_LIMIT, Math.min(LOG_E_LIMIT, x));
}

export function shadowView(r: RouteRollout): ShadowView | null {
  const shadow = r.config.rollout?.shadow;
  if (!shadow) return null;
  const v = r.shadowVerdict;
  return {
    active: r.routeState.shadowShare > 0,
    share: shadow.share * 100,
    methods: [...shadow.methods],
    mismatchTolerance: shadow.mismatchTolerance,
    inFlight: r.routeState.shadowInFlight,
    verdict: v === null ? null : {
      outcome: v.outcome, reason: v.reason, pairs: v.pairs, matches: v.matches, mismatches: v.mismatches, errors: v.errors, dropped: v.dropped,
      elapsedMs: Math.round(v.elapsedMs),
      tests: v.tests.map((t) => ({ metric: t.metric, label: t.label, revertLogE: finite(t.revertLogE), advanceLogE: finite(t.advanceLogE), accepted: t.accepted, rejected: t.rejected })),
    },
    mismatches: r.routeState.shadowExamples.map((e) => ({ at: new Date(e.at).toISOString(), method: e.method, path: e.path, part: e.part, diff: e.diff })),
  };
}
