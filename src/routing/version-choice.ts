import type { VersionName } from '../metrics/registry.js';
import type { Route } from './route-table.js';
import { stickyOnCanary } from './sticky.js';
import { drawsCanary, type RandomSource } from './traffic-split.js';

export interface VersionDecision {
  version: VersionName;
  /** False when the version was forced (override header), so the request stays out of the analysis. */
  analysed: boolean;
}

/**
 * Precedence per request (DESIGN.md): override header → sticky assignment → weighted draw.
 * `overrideAllowed` is the caller's verdict on the client address (override.allowFrom);
 * `stickyBucket` is the client's bucket 0–99, or -1 without a sticky cookie.
 * Sticky requests stay in the analysis: the policy accounts for their clustering.
 */
export function decideVersion(route: Route, overrideValue: string | undefined, overrideAllowed: boolean, random: RandomSource, stickyBucket = -1): VersionDecision {
  if (route.canary === null) return STABLE_ANALYSED;
  if (overrideValue !== undefined && overrideAllowed) {
    const forced = overrideValue.trim().toLowerCase();
    if (forced === 'canary') return CANARY_FORCED;
    if (forced === 'stable') return STABLE_FORCED;
  }
  if (stickyBucket >= 0) return stickyOnCanary(stickyBucket, route.state.weight) ? CANARY_ANALYSED : STABLE_ANALYSED;
  return drawsCanary(route.state.weight, random) ? CANARY_ANALYSED : STABLE_ANALYSED;
}

// Shared, frozen results: the decision allocates nothing per request.
const STABLE_ANALYSED: VersionDecision = Object.freeze({ version: 'stable', analysed: true });
const CANARY_ANALYSED: VersionDecision = Object.freeze({ version: 'canary', analysed: true });
const STABLE_FORCED: VersionDecision = Object.freeze({ version: 'stable', analysed: false });
const CANARY_FORCED: VersionDecision = Object.freeze({ version: 'canary', analysed: false });
