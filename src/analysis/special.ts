/**
 * The few special functions the tests need, written here so the analysis has no numeric
 * dependency: lnGamma (Lanczos), lnBeta, and a log-mean-exp that cannot overflow.
 */
import { AnalysisError } from './errors.js';

// Lanczos approximation, g = 7, n = 9 (Paul Godfrey's widely published coefficients); relative
// error below 1e-15 for x > 0, which the sample-ratio check needs: it subtracts lnBeta values
// of order n·ln n, so absolute error must stay tiny at n in the millions.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LN_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', `lnGamma(${String(x)}): defined here for finite x > 0 only`);
  }
  // Reflection keeps the series in its accurate range; Γ(x)Γ(1−x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LN_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b), for a, b > 0. */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** log(mean(exp(values))) without overflow: the e-value of an equal-weight mixture of bets. */
export function logMeanExp(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) throw new AnalysisError('ANALYSIS_INVALID_ARGUMENT', 'logMeanExp of no values');
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
  if (max === Number.NEGATIVE_INFINITY || max === Number.POSITIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum / n);
}
