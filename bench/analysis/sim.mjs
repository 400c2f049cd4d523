// Traffic model and one simulated step, shared by the bench's worker threads. Plain JS so the
// bench runs against the built dist/ without a TypeScript toolchain.
import { LATENCY_BUCKET_COUNT, StableBaseline, StepAnalysis, TrafficWindow, bucketUpperBoundMs, latencyBucket as latencyBucketOf, quantileBucket } from '../../dist/analysis/index.js';
import { seededRandom } from '../../dist/routing/traffic-split.js';
// The traffic model is shared with the unit tests (src/analysis/traffic-model.ts).
import { fillVersion as fillCounts, lognormalBuckets } from '../../dist/analysis/traffic-model.js';

/** One second of a version: Poisson arrivals thinned into independent Poisson bucket counts. */
function fillVersion(rand, into, meanRequests, model) {
  fillCounts(rand, into, meanRequests, model.failureRate, model.latency);
}

// `latencyShape` is the continuous model behind the buckets, for the oracle (bench/analysis/oracle.mjs).
const STABLE = { failureRate: 0.001, latency: lognormalBuckets(20, 120), latencyShape: { lognormal: [20, 120] } };
const INCIDENT = { failureRate: 0.05, latency: lognormalBuckets(60, 400) };
// A fast service: every request ≤ 5 ms, i.e. all in latency bucket 0, so stable never has a
// request above its quantile bucket and only the advance slack d1 lets latency be shown.
const TIGHT = { failureRate: 0.001, latency: pointBuckets([[1, 0]]), latencyShape: { atMostMs: 5 } };
// Issue 15's service: 10 ms + 0–4 ms, spread over four 10 % buckets with nothing past 14 ms.
const UNIFORM_10_14 = { failureRate: 0.001, latency: uniformBuckets(10, 14), latencyShape: { uniform: [10, 14] } };
// Both versions 30 % faster from 10 s on (load falls): the past ring still holds the slower stable.
const FASTER = { failureRate: 0.001, latency: lognormalBuckets(14, 84) };
const TIGHT_SLOW_TAIL = { failureRate: 0.001, latency: pointBuckets([[0.99, 0], [0.01, latencyBucketOf(50)]]) };
const INCIDENT_FROM_S = 10;
const INCIDENT_TO_S = 310;
const SPEED_UP_FROM_S = 10;
const P99_X15 = { failureRate: 0.001, latency: lognormalBuckets(20, 180) };
const INCIDENT_P99_X15 = { failureRate: 0.05, latency: lognormalBuckets(60, 600) };
const FASTER_P99_X15 = { failureRate: 0.001, latency: lognormalBuckets(14, 126) };

/**
 * Scenario name → canary (and, for the incident, shared) model per second. `oracleModel`: the one
 * model both versions follow for the whole step, so the oracle's true rates are defined (not for the incident).
 */
export const SCENARIOS = {
  healthy: { canary: () => STABLE, stable: () => STABLE, healthy: true, oracleModel: STABLE },
  'errors +1pt': { canary: constant({ failureRate: 0.011, latency: STABLE.latency }), stable: () => STABLE, healthy: false },
  'errors +5pt': { canary: constant({ failureRate: 0.051, latency: STABLE.latency }), stable: () => STABLE, healthy: false },
  'errors +20pt': { canary: constant({ failureRate: 0.201, latency: STABLE.latency }), stable: () => STABLE, healthy: false },
  'p99 x1.1': { canary: constant({ failureRate: 0.001, latency: lognormalBuckets(20, 132) }), stable: () => STABLE, healthy: false },
  'p99 x1.5': { canary: constant({ failureRate: 0.001, latency: lognormalBuckets(20, 180) }), stable: () => STABLE, healthy: false },
  'p99 x2': { canary: constant({ failureRate: 0.001, latency: lognormalBuckets(20, 240) }), stable: () => STABLE, healthy: false },
  'healthy + incident': { canary: incident, stable: incident, healthy: true },
  // Appended last so the seeds of the cells above are unchanged.
  'tight, healthy': { canary: () => TIGHT, stable: () => TIGHT, healthy: true, oracleModel: TIGHT },
  'tight, 1% at 50 ms': { canary: () => TIGHT_SLOW_TAIL, stable: () => TIGHT, healthy: false },
  // Appended for issue 15: the service, and p99 × 1.5 while both versions move within the step.
  'uniform 10-14 ms, healthy': { canary: () => UNIFORM_10_14, stable: () => UNIFORM_10_14, healthy: true, oracleModel: UNIFORM_10_14 },
  'p99 x1.5 + incident': { canary: (t) => (inIncident(t) ? INCIDENT_P99_X15 : P99_X15), stable: incident, healthy: false },
  'p99 x1.5 + speed-up': { canary: (t) => (t >= SPEED_UP_FROM_S ? FASTER_P99_X15 : P99_X15), stable: (t) => (t >= SPEED_UP_FROM_S ? FASTER : STABLE), healthy: false },
};

/** Bucket probabilities with the given share in each listed bucket. */
function pointBuckets(parts) {
  const probs = new Float64Array(LATENCY_BUCKET_COUNT);
  for (const [share, k] of parts) probs[k] += share;
  return probs;
}

/** Bucket probabilities of a latency uniform on [lo, hi] ms. */
function uniformBuckets(lo, hi) {
  const probs = new Float64Array(LATENCY_BUCKET_COUNT);
  for (let k = 0; k < LATENCY_BUCKET_COUNT - 1; k++) {
    const top = Math.min(hi, bucketUpperBoundMs(k));
    const bottom = Math.max(lo, k === 0 ? 0 : bucketUpperBoundMs(k - 1));
    if (top > bottom) probs[k] = (top - bottom) / (hi - lo);
  }
  return probs;
}

function inIncident(t) {
  return t >= INCIDENT_FROM_S && t < INCIDENT_TO_S;
}

function constant(model) {
  return () => model;
}

function incident(t) {
  return inIncident(t) ? INCIDENT : STABLE;
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
  const ours = { outcome: 'inconclusive', atS: horizonS, canaryRequests: 0, acceptedAt: {} };
  const flagger = { outcome: 'inconclusive', atS: horizonS, canaryRequests: 0, failedChecks: 0 };
  const interval = new TrafficWindow().canary;
  // The controller drains a window about every 250 ms; finer ticks at high canary rates keep the
  // window from hiding when, within a second, a test had seen enough (about 50 canary requests a tick).
  const ticks = Math.max(4, Math.ceil((rate * share) / 50));
  let oursDone = false;
  let flaggerDone = false;
  let flaggerCanary = 0;
  for (let t = 1; t <= horizonS && !(oursDone && flaggerDone); t++) {
    for (let i = 1; i <= ticks; i++) {
      const nowMs = (t - 1) * 1000 + (i * 1000) / ticks;
      window.reset();
      fillVersion(rand, window.canary, (load(t) * share) / ticks, sc.canary(t));
      if (!oursDone) {
        fillVersion(rand, window.stable, (load(t) * (1 - share)) / ticks, sc.stable(t));
        baseline.ingest(window, nowMs);
        step.ingest(window, nowMs, baseline);
        const outcome = step.outcome(nowMs);
        if (outcome !== 'pending') {
          Object.assign(ours, { outcome, atS: nowMs / 1000, canaryRequests: step.verdict(nowMs).canary.requests });
          oursDone = true;
        }
      }
      if (!flaggerDone) {
        interval.addFrom(window.canary);
        flaggerCanary += window.canary.requests;
      }
    }
    if (!flaggerDone && t % FLAGGER_INTERVAL_S === 0) {
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
  // Canary requests each test had seen when it was accepted (absent: never accepted in the run).
  for (const e of step.verdict(horizonS * 1000).tests) if (e.acceptedAtCanaryRequests !== undefined) ours.acceptedAt[e.label] = e.acceptedAtCanaryRequests;
  return { ours, flagger };
}
