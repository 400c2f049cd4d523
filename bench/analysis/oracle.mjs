// The oracle column: the fewest canary requests at which a fixed-sample, one-sided exact binomial
// test that is told the true rates in advance accepts "within tolerance" in half of the runs, at
// the same β as the sequential test. No sequential test can beat it on the median; the ratio of
// the analysis's median to it is what "far too long to promote" (issue 15, item 4) is measured in.

/** log of the binomial CDF P(X ≤ c), X ~ Bin(n, p), by summing the pmf upward (c is small here). */
function binomialCdf(c, n, p) {
  if (c < 0) return 0;
  if (c >= n || p <= 0) return 1;
  if (p >= 1) return 0;
  let logPmf = n * Math.log1p(-p);
  let cdf = Math.exp(logPmf);
  const ratio = Math.log(p / (1 - p));
  for (let k = 0; k < c; k++) {
    logPmf += Math.log((n - k) / (k + 1)) + ratio;
    cdf += Math.exp(logPmf);
  }
  return Math.min(1, cdf);
}

/** Largest c with P(Bin(n, p0) ≤ c) ≤ β (reject "rate ≥ p0" when X ≤ c), or -1 when no c qualifies. */
function criticalCount(n, p0, beta) {
  let c = -1;
  let logPmf = n * Math.log1p(-p0);
  let cdf = Math.exp(logPmf);
  const ratio = Math.log(p0 / (1 - p0));
  for (let k = 0; k <= n && cdf <= beta; k++) {
    c = k;
    logPmf += Math.log((n - k) / (k + 1)) + ratio;
    cdf += Math.exp(logPmf);
  }
  return c;
}

/**
 * Fewest requests n at which the exact test of H0': rate ≥ p0 at level β accepts (rejects H0')
 * with probability ≥ 1/2 when the true rate is p < p0; null when none up to `maxN`.
 */
export function oracleRequests(p, p0, beta, maxN = 1_000_000) {
  if (!(p < p0)) return null;
  // A coarse doubling search first, then a linear scan down: the acceptance chance is not
  // monotone in n (the critical count jumps), so take the smallest n that reaches 1/2.
  let hi = 1;
  const accepts = (n) => binomialCdf(criticalCount(n, p0, beta), n, p) >= 0.5;
  while (hi <= maxN && !accepts(hi)) hi *= 2;
  if (hi > maxN) return null;
  let n = Math.max(1, Math.floor(hi / 2));
  while (!accepts(n)) n++;
  return n;
}

// Acklam's inverse normal CDF (relative error < 1.2e-9), enough for quantile levels.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
export function inverseNormal(p) {
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  if (p > 1 - lo) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

function upperNormal(z) {
  // Φc(z) by the complementary error function (Numerical Recipes erfcc).
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const r = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return 0.5 * (x >= 0 ? r : 2 - r);
}

/**
 * True rates of the latency tests for a healthy canary (canary = stable), continuous latencies:
 * p = P(L > (1 + tolerance)·q_b), p0 = 1 − q. `latency` describes the model:
 * { lognormal: [medianMs, p99Ms] } | { uniform: [loMs, hiMs] } | { atMostMs: 5 } (every request at
 * the 5 ms floor of the histogram, so nothing exceeds 1.2 × any quantile).
 */
export function latencyRates(latency, q, tolerance) {
  const p0 = 1 - q;
  if (latency.lognormal) {
    const [median, p99] = latency.lognormal;
    const sigma = Math.log(p99 / median) / inverseNormal(0.99);
    return { p: upperNormal(inverseNormal(q) + Math.log1p(tolerance) / sigma), p0 };
  }
  if (latency.uniform) {
    const [lo, hi] = latency.uniform;
    const t = (1 + tolerance) * (lo + q * (hi - lo));
    return { p: Math.min(1, Math.max(0, (hi - t) / (hi - lo))), p0 };
  }
  return { p: 0, p0 };
}

/** Oracle per test of a healthy cell, and the step's (the largest: every test must accept). */
export function cellOracle(model, policy, quantiles, beta) {
  const tests = { errorRate: oracleRequests(model.failureRate, model.failureRate + policy.errorTolerance, beta) };
  for (const q of quantiles) {
    const { p, p0 } = latencyRates(model.latencyShape, q, policy.latencyTolerance);
    tests[`p${Number((q * 100).toPrecision(6))}`] = oracleRequests(p, p0, beta);
  }
  const values = Object.values(tests);
  const step = values.some((v) => v === null) ? null : Math.max(...values);
  return { tests, step };
}
