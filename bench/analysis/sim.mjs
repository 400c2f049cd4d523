// Traffic model and one simulated step, shared by the bench's worker threads. Plain JS so the
// bench runs against the built dist/ without a TypeScript toolchain.
import { LATENCY_BUCKET_COUNT, StableBaseline, StepAnalysis, TrafficWindow, bucketUpperBoundMs, latencyBucket as latencyBucketOf, quantileBucket } from '../../dist/analysis/index.js';
import { seededRandom } from '../../dist/routing/traffic-split.js';

function normal(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

// Inversion (multiplications only) below a mean of 30, normal approximation above: exact where
// counts are small (the tails that decide latency tests), fast where they are large.
export function poisson(rand, mean) {
  if (mean <= 0) return 0;
  if (mean < 30) {
    let pk = Math.exp(-mean);
    let cdf = pk;
    const u = rand();
    let k = 0;
    while (u > cdf && k < 200) {
      k++;
      pk *= mean / k;
      cdf += pk;
    }
    return k;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rand)));
}

export function binomial(rand, n, p) {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rand, n, 1 - p);
  const mean = n * p;
  if (mean < 30) {
    const ratio = p / (1 - p);
    let pk = Math.exp(n * Math.log1p(-p));
    let cdf = pk;
    const u = rand();
    let k = 0;
    while (u > cdf && k < n) {
      pk *= (ratio * (n - k)) / (k + 1);
      k++;
      cdf += pk;
    }
    return k;
  }
  return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(mean * (1 - p)) * normal(rand))));
}

function erfc(x) {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Bucket probabilities of a lognormal latency with this median and p99 (ms). */
export function lognormalBuckets(medianMs, p99Ms) {
  const mu = Math.log(medianMs);
  const sigma = Math.log(p99Ms / medianMs) / 2.3263478740408408;
  const probs = new Float64Array(LATENCY_BUCKET_COUNT);
  let prev = 0;
  for (let k = 0; k < LATENCY_BUCKET_COUNT - 1; k++) {
    const c = 0.5 * erfc(-(Math.log(bucketUpperBoundMs(k)) - mu) / sigma / Math.SQRT2);
    probs[k] = c - prev;
    prev = c;
  }
  probs[LATENCY_BUCKET_COUNT - 1] = 1 - prev;
  return probs;
}

/** One second of a version: Poisson arrivals thinned into independent Poisson bucket counts. */
function fillVersion(rand, into, meanRequests, model) {
  let n = 0;
  const probs = model.latency;
  for (let k = 0; k < LATENCY_BUCKET_COUNT; k++) {
    const c = poisson(rand, meanRequests * probs[k]);
    into.latency[k] += c;
    n += c;
  }
  into.requests += n;
  into.failures += binomial(rand, n, model.failureRate);
}

const STABLE = { failureRate: 0.001, latency: lognormalBuckets(20, 120) };
const INCIDENT = { failureRate: 0.05, latency: lognormalBuckets(60, 400) };
// A fast service: every request ≤ 5 ms, i.e. all in latency bucket 0, so stable never has a
// request above its quantile bucket and only the advance slack d1 lets latency be shown.
const TIGHT = { failureRate: 0.001, latency: pointBuckets([[1, 0]]) };
const TIGHT_SLOW_TAIL = { failureRate: 0.001, latency: pointBuckets([[0.99, 0], [0.01, latencyBucketOf(50)]]) };
const INCIDENT_FROM_S = 10;
const INCIDENT_TO_S = 310;

/** Scenario name → canary (and, for the incident, shared) model per second. */
export const SCENARIOS = {
  healthy: { canary: () => STABLE, stable: () => STABLE, healthy: true },
  'errors +1pt': { canary: constant({ failureRate: 0.011, latency: STABLE.latency }), stable: () => STABLE, healthy: false },
  'errors +5pt': { canary: constant({ failureRate: 0.051, latency: STABLE.latency }), stable: () => STABLE, healthy: false },
  'errors +20pt': { canary: constant({ failureRate: 0.201, latency: STABLE.latency }), stable: () => STABLE, healthy: false },
  'p99 x1.1': { canary: constant({ failureRate: 0.001, latency: lognormalBuckets(20, 132) }), stable: () => STABLE, healthy: false },
  'p99 x1.5': { canary: constant({ failureRate: 0.001, latency: lognormalBuckets(20, 180) }), stable: () => STABLE, healthy: false },
  'p99 x2': { canary: constant({ failureRate: 0.001, latency: lognormalBuckets(20, 240) }), stable: () => STABLE, healthy: false },
  'healthy + incident': { canary: incident, stable: incident, healthy: true },
  // Appended last so the seeds of the cells above are unchanged.
  'tight, healthy': { canary: () => TIGHT, stable: () => TIGHT, healthy: true },
  'tight, 1% at 50 ms': { canary: () => TIGHT_SLOW_TAIL, stable: () => TIGHT, healthy: false },
};

/** Bucket probabilities with the given share in each listed bucket. */
function pointBuckets(parts) {
  const probs = new Float64Array(LATENCY_BUCKET_COUNT);
  for (const [share, k] of parts) probs[k] += share;
  return probs;
}

function constant(model) {
  return () => model;
}

function incident(t) {
  return t >= INCIDENT_FROM_S && t < INCIDENT_TO_S ? INCIDENT : STABLE;
}

// Flagger-style reference: every 60 s a check on the canary alone over the last interval;
// error rate > 1 % or p99 > 500 ms (or no data) fails it; 5 failed checks revert; a passing
// check advances (Flagger moves one step per successful interval).
const FLAGGER_INTERVAL_S = 60;
const FLAGGER_THRESHOLD = 5;
const FLAGGER_MAX_ERROR = 0.01;
const FLAGGER_MAX_P99_MS = 500;

function flaggerCheckFails(interval) {
  if (interval.requests === 0) return true;
  if (interval.failures / interval.requests > FLAGGER_MAX_ERROR) return true;
  return bucketUpperBoundMs(quantileBucket(interval.latency, 0.99)) > FLAGGER_MAX_P99_MS;
}

/**
 * One step at `weightPercent` and mean load `rate` req/s. Returns when both the analysis and
 * the Flagger-style reference have decided, or at maxStepDuration. Every loop is bounded.
 */
export function runOnce(seed, scenarioName, rate, weightPercent, policy) {
  const rand = seededRandom(seed);
  const sc = SCENARIOS[scenarioName];
  const phase = rand() * 300;
  const load = (t) => rate * (1 + 0.3 * Math.sin((2 * Math.PI * (t + phase)) / 300));
  const share = weightPercent / 100;
  const horizonS = Math.ceil(policy.maxStepDurationMs / 1000);

  const baseline = new StableBaseline();
  const window = new TrafficWindow();
  for (let t = -60; t <= 0; t++) {
    window.reset();
    fillVersion(rand, window.stable, load(t), sc.stable(t));
    baseline.ingest(window, t * 1000);
  }
  const step = StepAnalysis.start(weightPercent, 0, policy);
  const ours = { outcome: 'inconclusive', atS: horizonS, canaryRequests: 0 };
  const flagger = { outcome: 'inconclusive', atS: horizonS, canaryRequests: 0, failedChecks: 0 };
  const interval = new TrafficWindow().canary;
  let oursDone = false;
  let flaggerDone = false;
  let flaggerCanary = 0;
  for (let t = 1; t <= horizonS && !(oursDone && flaggerDone); t++) {
    window.reset();
    fillVersion(rand, window.canary, load(t) * share, sc.canary(t));
    if (!oursDone) {
      fillVersion(rand, window.stable, load(t) * (1 - share), sc.stable(t));
      baseline.ingest(window, t * 1000);
      step.ingest(window, t * 1000, baseline);
      const outcome = step.outcome(t * 1000);
      if (outcome !== 'pending') {
        Object.assign(ours, { outcome, atS: t, canaryRequests: step.verdict(t * 1000).canary.requests });
        oursDone = true;
      }
    }
    if (!flaggerDone) {
      interval.addFrom(window.canary);
      flaggerCanary += window.canary.requests;
      if (t % FLAGGER_INTERVAL_S === 0) {
        if (flaggerCheckFails(interval)) {
          flagger.failedChecks++;
          if (flagger.failedChecks >= FLAGGER_THRESHOLD) Object.assign(flagger, { outcome: 'fail', atS: t, canaryRequests: flaggerCanary });
        } else {
          Object.assign(flagger, { outcome: 'pass', atS: t, canaryRequests: flaggerCanary });
        }
        flaggerDone = flagger.outcome !== 'inconclusive';
        interval.reset();
      }
    }
  }
  return { ours, flagger };
}
