/**
 * A betting e-process whose bet is chosen before each window from past data only. The 16-bet grid
 * of `BettingEProcess` pays up to ln 16 nats for not knowing the best bet; here the bet is the
 * growth-optimal (Kelly) one for the alternative the past predicts ("the canary is like stable"),
 * recomputed every window. Validity needs only that the bet is fixed before the requests it is
 * applied to and keeps every factor 1 + λ·z non-negative: the wealth is then a non-negative
 * supermartingale under the null whatever the prediction was, so Ville's inequality holds as for
 * the grid. A wrong prediction costs power, never validity.
 */
import { AnalysisError } from './errors.js';

/**
 * Share of λmax a bet may reach. The Kelly bet for "no canary events expected" is λmax itself,
 * where one event would wipe out the wealth; capped, one event costs a factor of 1 − cap.
 */
export const KELLY_CAP = 0.9;
const BISECTION_STEPS = 50;

/**
 * The bet λ ∈ [0, KELLY_CAP·λmax] maximising Σ p_i·log(1 + λ·z_i), the expected log-growth when
 * request kind i (payoff z_i) has probability p_i. 0 when the predicted mean payoff is not positive
 * (the alternative predicts no growth). Allocation-free: called once per test per window.
 */
export function kellyBet(payoffs: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  let worst = 0;
  let drift = 0;
  for (let i = 0; i < payoffs.length; i++) {
    if (payoffs[i]! < worst) worst = payoffs[i]!;
    drift += probabilities[i]! * payoffs[i]!;
  }
  if (!(worst < 0) || !Number.isFinite(worst)) {
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', 'a bet needs one finite negative payoff; check the weight and margins');
  }
  if (!(drift > 0)) return 0;
  const top = KELLY_CAP / -worst;
  const slope = (lambda: number): number => {
    let d = 0;
    for (let i = 0; i < payoffs.length; i++) d += (probabilities[i]! * payoffs[i]!) / (1 + lambda * payoffs[i]!);
    return d;
  };
  // The log-growth is concave in λ, so its slope falls: bisect for the zero, or stop at the cap.
  if (slope(top) >= 0) return top;
  let lo = 0;
  let hi = top;
  for (let s = 0; s < BISECTION_STEPS; s++) {
    const mid = 0.5 * (lo + hi);
    if (slope(mid) > 0) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** log-wealth of a sequence of windows, each with its own predictable bet and payoffs. */
export class PredictableBetEProcess {
  logE = 0;

  /**
   * Applies bet `lambda` to `counts[i]` requests of payoff `payoffs[i]` each. The order of the
   * requests within the window does not matter: the product of their factors is the same.
   */
  add(lambda: number, payoffs: ArrayLike<number>, counts: ArrayLike<number>): void {
    if (lambda === 0) return;
    for (let i = 0; i < payoffs.length; i++) {
      if (counts[i]! > 0) this.logE += counts[i]! * Math.log1p(lambda * payoffs[i]!);
    }
  }
}
