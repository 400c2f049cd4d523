/**
 * One rollout step's analysis: a randomised experiment at a fixed weight, compared only with
 * stable traffic from the same step and the same seconds (ANALYSIS.md, "Setting"). Time comes in
 * as arguments; nothing here reads a clock or draws a random number.
 */
import { requireFiniteTime } from './errors.js';
import { LatencyQuantileTest, PredictableErrorRateTest } from './advance-tests.js';
import type { MetricTest, TestMetric } from './metric-tests.js';
import { COLD_START_MARGIN_BUCKETS, COLD_START_MS, planStep, SRM_ALPHA, validatePolicy, validateWeight, type AnalysisPolicy, type StepPlan } from './policy.js';
import { logMeanExp } from './special.js';
import { srmLogE } from './srm.js';
import type { StableBaseline } from './baseline.js';
import { stepOutcome, stepVerdict } from './step-verdict.js';
import type { StepOutcome, StepVerdict } from './verdict.js';
import type { TrafficWindow } from './window.js';

/** Counts and latched decisions of a step; read by `stepVerdict`. */
export interface StepState {
  readonly policy: AnalysisPolicy;
  readonly plan: StepPlan;
  readonly weightPercent: number;
  readonly startedAtMs: number;
  readonly tests: MetricTest[];
  readonly canary: { requests: number; failures: number };
  readonly stable: { requests: number; failures: number };
  srmLogE: number;
  /** Time of the window that first gave every advance test its acceptance and the canary minSamples. */
  evidenceReadyAtMs: number | undefined;
  /** Latched when the mean revert e-value first reached 1/α_step. */
  failedAtMs: number | undefined;
  failedBy: TestMetric | undefined;
  /** Latched when the split e-value first reached 1/α_srm. */
  invalidAtMs: number | undefined;
}

function latencyMetric(q: number, configured: number): TestMetric {
  if (q === configured) return 'latencyQ';
  return q === 0.5 ? 'latencyP50' : 'latencyP90';
}

export class StepAnalysis {
  private readonly state: StepState;
  private readonly errorTest: PredictableErrorRateTest | undefined;
  private readonly latencyTests: LatencyQuantileTest[] = [];

  /** Starts the analysis of a step at `weightPercent` (0 < w ≤ 100). Throws AnalysisError on bad input. */
  static start(weightPercent: number, startedAtMs: number, policy: AnalysisPolicy): StepAnalysis {
    return new StepAnalysis(weightPercent, startedAtMs, policy);
  }

  private constructor(weightPercent: number, startedAtMs: number, policy: AnalysisPolicy) {
    validateWeight(weightPercent);
    requireFiniteTime('step startedAtMs', startedAtMs);
    validatePolicy(policy);
    const plan = planStep(weightPercent, policy);
    const tests: MetricTest[] = [];
    // At 100 % there is no stable traffic to compare with: the step is not analysed at all.
    if (weightPercent < 100) {
      const logAcceptAt = Math.log(1 / plan.beta);
      this.errorTest = new PredictableErrorRateTest(plan.weight, plan.errorMargin, logAcceptAt);
      tests.push(this.errorTest);
      for (const q of plan.quantiles) {
        const t = new LatencyQuantileTest(q, latencyMetric(q, policy.latencyQuantile), plan.weight, plan.latencyMarginBuckets, logAcceptAt);
        this.latencyTests.push(t);
        tests.push(t);
      }
    }
    this.state = {
      policy,
      plan,
      weightPercent,
      startedAtMs,
      tests,
      canary: { requests: 0, failures: 0 },
      stable: { requests: 0, failures: 0 },
      srmLogE: 0,
      evidenceReadyAtMs: undefined,
      failedAtMs: undefined,
      failedBy: undefined,
      invalidAtMs: undefined,
    };
  }

  /**
   * Adds a window drained at `nowMs`. Latency thresholds come from `baseline`'s completed seconds,
   * which never include this window, so calling `baseline.ingest` before or after is equally valid.
   * Windows drained at or before the step start belong to the previous weight and are ignored:
   * the controller drains the window at the moment it changes the weight.
   */
  ingest(window: TrafficWindow, nowMs: number, baseline: StableBaseline): void {
    requireFiniteTime('step ingest nowMs', nowMs);
    const s = this.state;
    if (this.errorTest === undefined || nowMs <= s.startedAtMs) return;
    // A reverted or invalid step is decided; later data must not rewrite why.
    if (s.failedAtMs !== undefined || s.invalidAtMs !== undefined) return;
    s.canary.requests += window.canary.requests;
    s.canary.failures += window.canary.failures;
    s.stable.requests += window.stable.requests;
    s.stable.failures += window.stable.failures;

    this.errorTest.observe(window, nowMs);
    const revertMargin = nowMs - s.startedAtMs <= COLD_START_MS ? COLD_START_MARGIN_BUCKETS : 0;
    for (const t of this.latencyTests) t.observeThreshold(window, nowMs, baseline.quantileThreshold(t.quantile, s.policy.latencyTolerance), revertMargin);

    s.srmLogE = srmLogE(s.canary.requests, s.stable.requests, s.plan.weight);
    if (s.plan.checkSplit && s.srmLogE >= Math.log(1 / SRM_ALPHA)) {
      s.invalidAtMs = nowMs;
      return;
    }
    if (this.latchFailure(nowMs)) return;
    if (s.evidenceReadyAtMs === undefined && s.canary.requests >= s.policy.minSamples && s.tests.every((t) => t.accepted)) {
      s.evidenceReadyAtMs = nowMs;
    }
  }

  /** The verdict as of `nowMs`; cheap enough to ask every tick. */
  verdict(nowMs: number): StepVerdict {
    requireFiniteTime('step verdict nowMs', nowMs);
    return stepVerdict(this.state, nowMs);
  }

  /** Just the outcome, without evidence or text: for a controller polling many routes each tick. */
  outcome(nowMs: number): StepOutcome {
    requireFiniteTime('step outcome nowMs', nowMs);
    return stepOutcome(this.state, nowMs);
  }

  get weightPercent(): number {
    return this.state.weightPercent;
  }

  get startedAtMs(): number {
    return this.state.startedAtMs;
  }

  private latchFailure(nowMs: number): boolean {
    const s = this.state;
    const logs = s.tests.map((t) => t.revertLogE());
    // Revert on the mean of the K e-values: a mean of supermartingales is one, and it dominates
    // the Bonferroni rule "any single test ≥ K/α_step" (ANALYSIS.md, "One verdict per step").
    const logMean = logMeanExp(logs);
    if (logMean < Math.log(1 / s.plan.alphaStep)) return false;
    let top = 0;
    for (let i = 1; i < logs.length; i++) if (logs[i]! > logs[top]!) top = i;
    s.failedAtMs = nowMs;
    s.failedBy = s.tests[top]!.metric;
    return true;
  }
}

/** Function form of `StepAnalysis.start`, for callers that prefer it. */
export function startStep(weightPercent: number, startedAtMs: number, policy: AnalysisPolicy): StepAnalysis {
  return StepAnalysis.start(weightPercent, startedAtMs, policy);
}
