/**
 * Betting e-processes on the inverse-propensity statistic of ANALYSIS.md:
 *
 *   Z_i = 1{canary, A}/w − r·1{stable, A}/(1−w) − d
 *
 * Each request contributes one of three payoffs (canary event, stable event, neither), so the
 * wealth Π(1 + λ·Z_i) depends on the sequence only through the three counts. That is what makes
 * the e-value cheap to keep (three numbers per test) and cheap to check as often as we like.
 * A latency threshold that moves each second changes which requests are events, not the payoffs,
 * so the counts can be accumulated with each second's threshold and the formula still holds.
 */
import { AnalysisError } from './errors.js';
import { logMeanExp } from './special.js';

/** Bets λ_j = 0.8·λmax·2^(−j), j = 0..15: an equal-weight mixture costs at most ln 16 nats. */
export const BET_GRID_SIZE = 16;
/** Staying at 80 % of λmax keeps the worst payoff's factor at 0.2, so one bad request never wipes out the wealth. */
export const BET_GRID_TOP = 0.8;

/** Z for each kind of request. */
export interface BetPayoffs {
  canaryEvent: number;
  stableEvent: number;
  noEvent: number;
}

/**
 * Revert side, null H0: P_c ≤ r0·P_b + d0. Z as written; its mean is positive when the canary
 * is worse than the null allows, so betting on Z grows wealth exactly then.
 */
export function revertPayoffs(weight: number, r0: number, d0: number): BetPayoffs {
  return { canaryEvent: 1 / weight - d0, stableEvent: -r0 / (1 - weight) - d0, noEvent: -d0 };
}

/** Advance side, null H0': P_c ≥ r1·P_b + d1. Betting on −Z grows wealth when the canary is within the margin. */
export function advancePayoffs(weight: number, r1: number, d1: number): BetPayoffs {
  return { canaryEvent: -(1 / weight - d1), stableEvent: r1 / (1 - weight) + d1, noEvent: d1 };
}

export class BettingEProcess {
  readonly lambdaMax: number;
  readonly lambdas = new Float64Array(BET_GRID_SIZE);
  // log(1 + λ_j·z) per payoff, precomputed with log1p: the e-value is then 48 multiply-adds.
  private readonly logCanary = new Float64Array(BET_GRID_SIZE);
  private readonly logStable = new Float64Array(BET_GRID_SIZE);
  private readonly logNone = new Float64Array(BET_GRID_SIZE);
  private readonly scratch = new Float64Array(BET_GRID_SIZE);

  constructor(readonly payoffs: BetPayoffs) {
    const worst = Math.min(payoffs.canaryEvent, payoffs.stableEvent, payoffs.noEvent);
    if (!(worst < 0) || !Number.isFinite(worst)) {
      throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', 'a bet needs one finite negative payoff; check the weight and margins');
    }
    // 1 + λ·z ≥ 0 for every payoff iff λ ≤ 1/|most negative z|: the wealth stays non-negative.
    this.lambdaMax = 1 / -worst;
    for (let j = 0; j < BET_GRID_SIZE; j++) {
      const lambda = BET_GRID_TOP * this.lambdaMax * 2 ** -j;
      this.lambdas[j] = lambda;
      this.logCanary[j] = Math.log1p(lambda * payoffs.canaryEvent);
      this.logStable[j] = Math.log1p(lambda * payoffs.stableEvent);
      this.logNone[j] = Math.log1p(lambda * payoffs.noEvent);
    }
  }

  /** log of the grid-averaged wealth after `canaryEvents`, `stableEvents` and `others` requests. */
  logE(canaryEvents: number, stableEvents: number, others: number): number {
    for (let j = 0; j < BET_GRID_SIZE; j++) {
      this.scratch[j] = canaryEvents * this.logCanary[j]! + stableEvents * this.logStable[j]! + others * this.logNone[j]!;
    }
    return logMeanExp(this.scratch);
  }
}
