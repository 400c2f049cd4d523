/**
 * The route as the admin API answers it (GET /api/v1/routes), read by the dashboard and by the
 * terminal views. The rollout fields are optional: a route without a rollout block, or a build
 * without the rollout controller, simply lacks them, and every view must still read well.
 */

import type { StepOutcome } from '../analysis/verdict.js';
import type { Live } from '../rollout/live.js';
import type { HistoryView, RolloutFields, RolloutView, VerdictView } from '../rollout/view.js';
import type { EndpointView, RouteView, VersionView } from './views.js';

// The readers' names for the shapes the server builds (views.ts, rollout/view.ts): one
// definition, so the API and what reads it cannot drift apart.
export type ApiEndpoint = EndpointView;
export type ApiVersion = VersionView;
export type ApiLive = Live;
export type ApiOutcome = StepOutcome;
export type ApiVerdict = VerdictView;
export type ApiTestEvidence = VerdictView['tests'][number];
export type ApiRollout = RolloutView;
export type ApiTransition = HistoryView;
export type ApiRoute = RouteView & Partial<RolloutFields>;

// The formatting lives in assets/render.js, shared with the browser; re-exported for the terminal views.
export { describeEvidence, describeStep, formatCount, formatEValue, formatMs, formatPercent } from './assets/render.js';
