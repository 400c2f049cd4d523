/**
 * Sample-ratio mismatch: is the canary getting the share of requests it should? If not, the
 * randomisation every test relies on is broken (hashing, retries counted twice, a worker not
 * reporting), and no verdict can be trusted. The e-value is a beta-binomial mixture likelihood
 * ratio against the exact binomial(w) split (ANALYSIS.md, "One verdict per step").
 */
import { AnalysisError } from './errors.js';
import { lnBeta } from './special.js';

/** Prior strength of the mixture: spreads the alternative share over about ±1/√k around w. */
export const SRM_PRIOR_STRENGTH = 100;

export function srmLogE(canaryRequests: number, stableRequests: number, weight: number, k = SRM_PRIOR_STRENGTH): number {
  if (!(weight > 0 && weight < 1)) {
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `srmLogE: weight ${String(weight)} must be a fraction in (0, 1)`);
  }
  const a = k * weight;
  const b = k * (1 - weight);
  return (
    lnBeta(a + canaryRequests, b + stableRequests) -
    lnBeta(a, b) -
    canaryRequests * Math.log(weight) -
    stableRequests * Math.log1p(-weight)
  );
}
