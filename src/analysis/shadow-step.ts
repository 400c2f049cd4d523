/**
 * The shadow step's analysis. Every mirrored request is a *pair*: stable's answer (the one the
 * client got) and the canary's answer to the copy, for the same request at the same moment. So
 * the step is a paired sample, not the randomised split of a weighted step, and each test is a
 * one-sample betting e-process on a per-pair statistic (docs/statistics.md, "The shadow step"):
 *
 * - mismatch rate: X = 1 when the answers differ; revert H0: E[X] ≤ τ, advance H0': E[X] ≥ τ;
 * - error rate and latency: D = 1{canary event} − 1{stable event} ∈ {−1, 0, 1};
 *   revert H0: E[D] ≤ d0, advance H0': E[D] ≥ d1 (the paired form of ANALYSIS.md's Z).
 *
 * Both reuse BettingEProcess unchanged: its three payoff kinds are (canary worse or mismatch,
 * stable worse, neither). Pure: time and the stable baseline come in as arguments.
 */
import type { StableBaseline } from './baseline.js';
import { BettingEProcess, type BetPayoffs } from './eprocess.js';
import { requireFiniteTime } from './errors.js';
import { formatBucketBound } from './histogram.js';
import { quantileLabel } from './metric-tests.js';
import { COLD_START_MARGIN_BUCKETS, COLD_START_MS, planStep, validatePolicy, type AnalysisPolicy, type StepPlan } from './policy.js';
import { discordantLatencyPairs, type ShadowWindow } from './shadow-window.js';
import { logMeanExp } from './special.js';
import { formatDuration, formatEValue, formatPercent, joinList, type StepOutcome } from './verdict.js';

export type ShadowMetric = 'mismatchRate' | 'errorRate' | 'latencyP50' | 'latencyP90' | 'latencyQ';

/**
 * A pass needs the copies that were compared to stand for the traffic: when more than this share
 * was dropped (maxInFlight full, i.e. the canary is slow), the compared ones are the fast ones.
 */
export const MAX_DROPPED_SHARE = 0.1;

/** One-sample payoffs of X − τ (revert) and τ − X (advance), X the mismatch indicator. */
export function mismatchPayoffs(tolerance: number): { revert: BetPayoffs; advance: BetPayoffs } {
  return {
    revert: { canaryEvent: 1 - tolerance, stableEvent: -tolerance, noEvent: -tolerance },
    advance: { canaryEvent: -(1 - tolerance), stableEvent: tolerance, noEvent: tolerance },
  };
}

/** Payoffs of D − d0 (revert) and d1 − D (advance) for a paired difference D ∈ {−1, 0, 1}. */
export function pairedPayoffs(d0: number, d1: number): { revert: BetPayoffs; advance: BetPayoffs } {
  return {
    revert: { canaryEvent: 1 - d0, stableEvent: -1 - d0, noEvent: -d0 },
    advance: { canaryEvent: -(1 - d1), stableEvent: 1 + d1, noEvent: d1 },
  };
}

export interface ShadowTestEvidence {
  metric: ShadowMetric;
  label: string;
  revertLogE: number;
  advanceLogE: number;
  accepted: boolean;
  rejected: boolean;
  /** Mismatches, or pairs where only the canary had the event (revert side). */
  canaryEvents: number;
  /** Pairs where only stable had the event; always 0 for the mismatch rate. */
  stableEvents: number;
  pairs: number;
}

class PairedTest {
  private readonly revert = { a: 0, b: 0, n: 0 };
  private readonly advance = { a: 0, b: 0, n: 0 };
  accepted = false;

  constructor(
    readonly metric: ShadowMetric,
    readonly label: string,
    private readonly revertBet: BettingEProcess,
    private readonly advanceBet: BettingEProcess,
    private readonly logAcceptAt: number,
  ) {}

  /** `n` pairs, of which `a` count for the canary side of the payoff and `b` for the stable side. */
  observe(revertA: number, revertB: number, advanceA: number, advanceB: number, n: number): void {
    this.revert.a += revertA;
    this.revert.b += revertB;
    this.revert.n += n;
    this.advance.a += advanceA;
    this.advance.b += advanceB;
    this.advance.n += n;
    if (!this.accepted && this.advanceLogE() >= this.logAcceptAt) this.accepted = true;
  }

  revertLogE(): number {
    const s = this.revert;
    return this.revertBet.logE(s.a, s.b, s.n - s.a - s.b);
  }

  advanceLogE(): number {
    const s = this.advance;
    return this.advanceBet.logE(s.a, s.b, s.n - s.a - s.b);
  }

  evidence(rejected: boolean): ShadowTestEvidence {
    return {
      metric: this.metric, label: this.label, revertLogE: this.revertLogE(), advanceLogE: this.advanceLogE(),
      accepted: this.accepted, rejected, canaryEvents: this.revert.a, stableEvents: this.revert.b, pairs: this.revert.n,
    };
  }
}

function bets(p: { revert: BetPayoffs; advance: BetPayoffs }): [BettingEProcess, BettingEProcess] {
  return [new BettingEProcess(p.revert), new BettingEProcess(p.advance)];
}

export interface ShadowVerdict {
  outcome: StepOutcome;
  reason: string;
  tests: ShadowTestEvidence[];
  pairs: number;
  matches: number;
  mismatches: number;
  errors: number;
  dropped: number;
  elapsedMs: number;
  revertLogE: number;
  revertLogThreshold: number;
  advanceLogThreshold: number;
}

export class ShadowStepAnalysis {
  private readonly plan: StepPlan;
  private readonly mismatch: PairedTest;
  private readonly error: PairedTest;
  private readonly latency: { test: PairedTest; q: number; threshold: number }[] = [];
  private readonly counts = { matches: 0, mismatches: 0, errors: 0, dropped: 0, canaryFailures: 0, stableFailures: 0 };
  private failedAtMs: number | undefined;
  private failedBy: ShadowMetric | undefined;
  private evidenceReadyAtMs: number | undefined;

  /** Throws AnalysisError on a bad policy or tolerance, like StepAnalysis.start. */
  constructor(readonly startedAtMs: number, private readonly policy: AnalysisPolicy, readonly mismatchTolerance: number) {
    requireFiniteTime('shadow step startedAtMs', startedAtMs);
    validatePolicy(policy);
    // The weight only sets the split's payoffs, which paired tests do not use; the budgets are the same.
    this.plan = planStep(100, policy);
    const logAcceptAt = Math.log(1 / this.plan.beta);
    this.mismatch = new PairedTest('mismatchRate', 'mismatch rate', ...bets(mismatchPayoffs(mismatchTolerance)), logAcceptAt);
    const e = policy.errorTolerance;
    this.error = new PairedTest('errorRate', 'error rate', ...bets(pairedPayoffs(e, e)), logAcceptAt);
    for (const q of this.plan.quantiles) {
      const metric: ShadowMetric = q === policy.latencyQuantile ? 'latencyQ' : q === 0.5 ? 'latencyP50' : 'latencyP90';
      const test = new PairedTest(metric, `latency ${quantileLabel(q)}`, ...bets(pairedPayoffs(0, this.plan.latencyAdvanceSlack)), logAcceptAt);
      this.latency.push({ test, q, threshold: -1 });
    }
  }

  private get tests(): PairedTest[] {
    return [this.mismatch, this.error, ...this.latency.map((l) => l.test)];
  }

  /** Adds a window drained at `nowMs`; thresholds come from `baseline`'s completed seconds only. */
  ingest(w: ShadowWindow, nowMs: number, baseline: StableBaseline): void {
    requireFiniteTime('shadow step ingest nowMs', nowMs);
    if (nowMs <= this.startedAtMs || this.failedAtMs !== undefined) return;
    const c = this.counts;
    c.matches += w.matches;
    c.mismatches += w.mismatches;
    c.errors += w.errors;
    c.dropped += w.dropped;
    const fp = w.failurePairs;
    c.canaryFailures += fp[2]! + fp[3]!;
    c.stableFailures += fp[1]! + fp[3]!;
    // The mismatch rate is over the pairs where both answered; a canary that did not answer is an error.
    const compared = w.matches + w.mismatches;
    this.mismatch.observe(w.mismatches, 0, w.mismatches, 0, compared);
    const n = w.pairs;
    this.error.observe(fp[2]!, fp[1]!, fp[2]!, fp[1]!, n);
    const coldMargin = nowMs - this.startedAtMs <= COLD_START_MS ? COLD_START_MARGIN_BUCKETS : 0;
    for (const l of this.latency) {
      const k = baseline.quantileBucket(l.q);
      // No past stable quantile yet: skipping loses data, not validity.
      if (k < 0) continue;
      l.threshold = k;
      const rev = discordantLatencyPairs(w.latencyPairs, k + coldMargin, k);
      const adv = discordantLatencyPairs(w.latencyPairs, k + this.plan.latencyMarginBuckets, k);
      l.test.observe(rev.canaryWorse, rev.stableWorse, adv.canaryWorse, adv.stableWorse, n);
    }
    const logs = this.tests.map((t) => t.revertLogE());
    // The mean of K e-processes is one: the same rule as a weighted step (step.ts).
    if (logMeanExp(logs) >= Math.log(1 / this.plan.alphaStep)) {
      let top = 0;
      for (let i = 1; i < logs.length; i++) if (logs[i]! > logs[top]!) top = i;
      this.failedAtMs = nowMs;
      this.failedBy = this.tests[top]!.metric;
      return;
    }
    if (this.evidenceReadyAtMs === undefined && this.comparedPairs >= this.policy.minSamples && this.tests.every((t) => t.accepted)) {
      this.evidenceReadyAtMs = nowMs;
    }
  }

  private get comparedPairs(): number {
    return this.counts.matches + this.counts.mismatches;
  }

  private droppedShare(): number {
    const attempted = this.counts.matches + this.counts.mismatches + this.counts.errors + this.counts.dropped;
    return attempted > 0 ? this.counts.dropped / attempted : 0;
  }

  outcome(nowMs: number): StepOutcome {
    if (this.failedAtMs !== undefined) return 'fail';
    const deadline = this.startedAtMs + this.policy.maxStepDurationMs;
    const ready = this.evidenceReadyAtMs;
    const passAt = ready === undefined ? undefined : Math.max(ready, this.startedAtMs + this.policy.minStepDurationMs);
    if (passAt !== undefined && passAt <= nowMs && passAt <= deadline && this.droppedShare() <= MAX_DROPPED_SHARE) return 'pass';
    return nowMs >= deadline ? 'inconclusive' : 'pending';
  }

  verdict(nowMs: number): ShadowVerdict {
    requireFiniteTime('shadow step verdict nowMs', nowMs);
    const outcome = this.outcome(nowMs);
    const tests = this.tests.map((t) => t.evidence(t.metric === this.failedBy));
    const revertLogE = logMeanExp(tests.map((t) => t.revertLogE));
    const c = this.counts;
    return {
      outcome, reason: this.reasonFor(outcome, tests, revertLogE, nowMs), tests,
      pairs: c.matches + c.mismatches + c.errors, matches: c.matches, mismatches: c.mismatches, errors: c.errors, dropped: c.dropped,
      elapsedMs: Math.max(0, nowMs - this.startedAtMs), revertLogE,
      revertLogThreshold: Math.log(1 / this.plan.alphaStep), advanceLogThreshold: Math.log(1 / this.plan.beta),
    };
  }

  private describe(t: ShadowTestEvidence): string {
    const c = this.counts;
    const pairs = c.matches + c.mismatches + c.errors;
    if (t.metric === 'mismatchRate') {
      return `${c.mismatches} of ${this.comparedPairs} compared answers differed from stable's (${formatPercent(this.comparedPairs > 0 ? c.mismatches / this.comparedPairs : 0)}, tolerance ${formatPercent(this.mismatchTolerance)})`;
    }
    if (t.metric === 'errorRate') {
      return `canary failed ${c.canaryFailures} of ${pairs} mirrored requests, stable ${c.stableFailures} of the same requests`;
    }
    const l = this.latency.find((x) => x.test.metric === t.metric)!;
    const over = l.threshold >= 0 ? ` over stable's ${quantileLabel(l.q)} (${formatBucketBound(l.threshold)})` : '';
    return `${t.label}: in ${t.canaryEvents} of ${t.pairs} mirrored requests only the canary was slow${over}, in ${t.stableEvents} only stable`;
  }

  private reasonFor(outcome: StepOutcome, tests: ShadowTestEvidence[], revertLogE: number, nowMs: number): string {
    const missing = tests.filter((t) => !t.accepted);
    const unshown = (t: ShadowTestEvidence): string => (t.metric === 'mismatchRate' ? `mismatch rate below ${formatPercent(this.mismatchTolerance)}` : t.metric === 'errorRate' ? `error rate within ${formatPercent(this.policy.errorTolerance)}` : `${t.label} within ${formatPercent(this.policy.latencyTolerance)}`);
    const dropped = this.droppedShare();
    switch (outcome) {
      case 'fail': {
        const top = tests.find((t) => t.rejected) ?? tests[0]!;
        return `${this.describe(top)} (e-value ${formatEValue(revertLogE)} ≥ ${formatEValue(Math.log(1 / this.plan.alphaStep))})`;
      }
      case 'pass':
        return `canary answers agree with stable's: ${this.describe(tests[0]!)}; error rate and latency within tolerance on the same requests`;
      case 'inconclusive':
      case 'pending': {
        const prefix = outcome === 'inconclusive' ? `inconclusive after ${formatDuration(this.policy.maxStepDurationMs)}, holding: ` : 'waiting: ';
        if (this.comparedPairs < this.policy.minSamples) return `${prefix}${this.comparedPairs} of ${this.policy.minSamples} compared answers`;
        if (missing.length > 0) return `${prefix}evidence of ${joinList(missing.map(unshown))} (${this.comparedPairs} compared answers)`;
        if (dropped > MAX_DROPPED_SHARE) return `${prefix}${formatPercent(dropped)} of the copies were dropped (shadow.maxInFlight full: the canary is slow); the compared ones may not stand for the traffic`;
        return `${prefix}${formatDuration(Math.max(0, nowMs - this.startedAtMs))} of ${formatDuration(this.policy.minStepDurationMs)} minimum step duration`;
      }
      case 'invalid':
        return 'invalid';
      default: {
        const never: never = outcome;
        throw new Error(`unhandled outcome ${String(never)}`);
      }
    }
  }
}
