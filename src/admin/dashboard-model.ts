/**
 * The route as the admin API answers it (GET /api/v1/routes), read by the dashboard and by the
 * terminal views. The rollout fields are optional: a route without a rollout block, or a build
 * without the rollout controller, simply lacks them, and every view must still read well.
 */

export interface ApiEndpoint { origin: string; healthy: boolean; ejected: boolean; connections: { active: number; idle: number } }
export interface ApiVersion { endpoints: ApiEndpoint[]; requests: number; failures: number; errorRate: number }
export interface ApiLive { rps: number; errorRate: number; p50Ms: number; p90Ms: number; p99Ms: number }
export interface ApiTestEvidence {
  metric: string;
  label: string;
  revertLogE: number;
  advanceLogE: number;
  accepted: boolean;
  rejected: boolean;
  canaryEvents: number;
  stableEvents: number;
}
export type ApiOutcome = 'pass' | 'fail' | 'pending' | 'inconclusive' | 'invalid';
export interface ApiVerdict {
  outcome: ApiOutcome;
  reason: string;
  tests: ApiTestEvidence[];
  canary: { requests: number; failures: number };
  stable: { requests: number; failures: number };
  srmLogE: number;
  elapsedMs: number;
  revertLogThreshold?: number;
  advanceLogThreshold?: number;
}
export interface ApiRollout {
  step: number;
  steps: number[];
  stepStartedAt: string;
  revision?: string;
  reason?: string;
  verdict: ApiVerdict | null;
}
export interface ApiTransition { at: string; from: string; to: string; weight: number; step: number; reason: string }
export interface ApiRoute {
  name: string;
  phase: string;
  weight: number;
  match: { host?: string; pathPrefix: string };
  revision?: string;
  stable: ApiVersion;
  canary: ApiVersion | null;
  rollout?: ApiRollout | null;
  history?: ApiTransition[];
  live?: { stable: ApiLive; canary: ApiLive | null };
}

// The formatting lives in assets/render.js, shared with the browser; re-exported for the terminal views.
export { describeEvidence, describeStep, formatCount, formatEValue, formatMs, formatPercent } from './assets/render.js';
