/**
 * The verdict of a step as a pure function of its state and the time. Order matters and is the
 * policy: a broken split trumps everything (no statistic can be trusted), a revert trumps a pass,
 * and running out of time holds rather than promotes.
 */
import { SRM_ALPHA } from './policy.js';
import { logMeanExp } from './special.js';
import type { StepState } from './step.js';
import { describeComparison, describeTolerance, evidenceOf, formatDuration, formatEValue, formatPercent, joinList, type StepOutcome, type StepVerdict, type TestEvidence } from './verdict.js';

/** When the step may pass: evidence ready and minStepDuration over; undefined while evidence is missing. */
function passAtMs(s: StepState): number | undefined {
  if (s.evidenceReadyAtMs === undefined) return undefined;
  return Math.max(s.evidenceReadyAtMs, s.startedAtMs + s.policy.minStepDurationMs);
}

/** The outcome alone: no evidence objects, no text. Cheap enough for every tick of every route. */
export function stepOutcome(s: StepState, nowMs: number): StepOutcome {
  if (s.weightPercent >= 100) return 'pass';
  if (s.invalidAtMs !== undefined) return 'invalid';
  if (s.failedAtMs !== undefined) return 'fail';
  const deadline = s.startedAtMs + s.policy.maxStepDurationMs;
  const passAt = passAtMs(s);
  // Evidence that completes after the deadline never promotes: "inconclusive" holds for good.
  if (passAt !== undefined && passAt <= nowMs && passAt <= deadline) return 'pass';
  return nowMs >= deadline ? 'inconclusive' : 'pending';
}

export function stepVerdict(s: StepState, nowMs: number): StepVerdict {
  const outcome = stepOutcome(s, nowMs);
  const tests = s.tests.map((t) => evidenceOf(t, t.metric === s.failedBy));
  const revertLogE = tests.length > 0 ? logMeanExp(tests.map((t) => t.revertLogE)) : 0;
  return {
    outcome,
    reason: reasonFor(outcome, s, tests, revertLogE, nowMs),
    tests,
    canary: { ...s.canary },
    stable: { ...s.stable },
    srmLogE: s.srmLogE,
    elapsedMs: Math.max(0, nowMs - s.startedAtMs),
    weightPercent: s.weightPercent,
    revertLogE,
    revertLogThreshold: Math.log(1 / s.plan.alphaStep),
    advanceLogThreshold: Math.log(1 / s.plan.beta),
  };
}

function reasonFor(outcome: StepOutcome, s: StepState, tests: TestEvidence[], revertLogE: number, nowMs: number): string {
  const unshown = (t: TestEvidence): string => describeTolerance(t, s.policy.errorTolerance, s.policy.latencyTolerance);
  const missing = tests.filter((t) => !t.accepted);
  switch (outcome) {
    case 'pass': {
      if (s.weightPercent >= 100) return 'weight 100%: all traffic is on the canary, so there is nothing to compare with; not analysed';
      const error = tests.find((t) => t.metric === 'errorRate')!;
      const latencies = tests.filter((t) => t.metric !== 'errorRate').map((t) => t.label.replace('latency ', ''));
      return (
        `canary within tolerance: ${describeComparison(error)} (within ${formatPercent(s.policy.errorTolerance)}), ` +
        `latency ${latencies.join('/')} within ${formatPercent(s.policy.latencyTolerance)}; ` +
        `${s.canary.requests} canary requests in ${formatDuration(passAtMs(s)! - s.startedAtMs)}`
      );
    }
    case 'invalid': {
      const total = s.canary.requests + s.stable.requests;
      return (
        `invalid: canary got ${formatPercent(s.canary.requests / total)} of ${total} requests, expected ${formatPercent(s.plan.weight)} ` +
        `(split e-value ${formatEValue(s.srmLogE)} ≥ ${formatEValue(Math.log(1 / SRM_ALPHA))}); the split is not random, so no verdict can be trusted; holding`
      );
    }
    case 'fail': {
      const top = tests.find((t) => t.rejected) ?? tests[0]!;
      return `${describeComparison(top)} (e-value ${formatEValue(revertLogE)} ≥ ${formatEValue(Math.log(1 / s.plan.alphaStep))})`;
    }
    case 'inconclusive': {
      if (missing.length === 0 && s.canary.requests >= s.policy.minSamples) {
        // Everything was shown, but only after the deadline: still never a promotion, and say so plainly.
        return `inconclusive: the canary was shown within tolerance only after maxStepDuration (${formatDuration(s.policy.maxStepDurationMs)}); holding, never promoting on evidence that came late — resume or promote by hand`;
      }
      const what = missing.length > 0 ? `to show ${joinList(missing.map(unshown))}` : `to reach ${s.policy.minSamples} canary requests`;
      return `inconclusive: too little canary traffic ${what} after ${formatDuration(s.policy.maxStepDurationMs)} (${s.canary.requests} canary requests); holding, never promoting on thin evidence`;
    }
    case 'pending': {
      if (s.canary.requests < s.policy.minSamples) return `waiting: ${s.canary.requests} of ${s.policy.minSamples} canary requests`;
      if (missing.length > 0) {
        const weakest = missing.reduce((a, b) => (b.advanceLogE < a.advanceLogE ? b : a));
        return `waiting: evidence of ${joinList(missing.map(unshown))} (weakest e-value ${formatEValue(weakest.advanceLogE)} of ${formatEValue(Math.log(1 / s.plan.beta))})`;
      }
      return `waiting: ${formatDuration(Math.max(0, nowMs - s.startedAtMs))} of ${formatDuration(s.policy.minStepDurationMs)} minimum step duration`;
    }
    default: {
      const never: never = outcome;
      throw new Error(`unhandled outcome ${String(never)}`);
    }
  }
}
