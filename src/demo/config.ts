import { join } from 'node:path';

export const DEMO_ROUTE = 'demo';
// The first step at 10 % rather than 1–5 %: at a demo's few hundred req/s, a 5 % step needs
// half a minute of canary traffic to show a 2-point error tolerance, which is honest but dull.
export const DEMO_STEPS = [10, 25, 50, 100] as const;
export const DEFAULT_DEMO_DURATION_S = 120;
export const DEFAULT_DEMO_RATE = 400;
/** Median latency of both demo versions; the spread is log-normal (p99 ≈ 4× the median). */
export const DEMO_MEDIAN_LATENCY_MS = 8;
export const BAD_CANARY_ERROR_RATE = 0.05;

export interface DemoSchedule { steps: number[]; minStepDurationS: number; maxStepDurationS: number; minSamples: number }

/**
 * A schedule short enough to watch: each step bakes a few seconds, scaled down when the
 * whole demo must fit a shorter time limit, so `--duration 30` still ends in a verdict.
 */
export function demoSchedule(durationS: number): DemoSchedule {
  const analysed = DEMO_STEPS.length - 1;
  const minStepDurationS = Math.max(1, Math.min(5, Math.floor(durationS / (analysed * 3))));
    // Long enough for a healthy canary to show its tolerance; a step still undecided then holds as "inconclusive".
  const maxStepDurationS = Math.max(20, Math.floor(durationS * 0.6));
  return { steps: [...DEMO_STEPS], minStepDurationS, maxStepDurationS, minSamples: 100 };
}

/**
 * The generated cutover config: everything on loopback port 0, state in the demo's temp dir,
 * and tolerances loose enough that a healthy canary passes each step on a few hundred
 * requests, while a 5 % error rate is caught within seconds.
 */
export function demoConfig(options: { stableUrl: string; canaryUrl: string; dir: string; schedule: DemoSchedule }): Record<string, unknown> {
  const s = options.schedule;
  return {
    listen: '127.0.0.1:0',
    admin: { listen: '127.0.0.1:0' },
    stateFile: join(options.dir, 'state.json'),
    drainTimeout: '2s',
    log: { level: 'info', access: false },
    routes: [{
      name: DEMO_ROUTE,
      match: { pathPrefix: '/' },
      stable: { endpoints: [options.stableUrl] },
      canary: { endpoints: [options.canaryUrl], revision: 'v2' },
      upstream: { warm: 4, healthCheck: { path: '/healthz', interval: '1s', timeout: '500ms' } },
      rollout: {
        steps: s.steps,
        minStepDuration: `${s.minStepDurationS}s`,
        maxStepDuration: `${s.maxStepDurationS}s`,
        minSamples: s.minSamples,
        errorRate: { tolerance: '2%' },
        latency: { quantile: 0.9, tolerance: '50%' },
        falseRollbackRate: '1%',
        gates: [{ http: { url: `${options.canaryUrl}/healthz`, expectStatus: 200 } }],
      },
    }],
  };
}
