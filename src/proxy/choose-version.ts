import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route, VersionTarget } from '../routing/route-table.js';
import { decideVersion } from '../routing/version-choice.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import type { ProxyContext } from './context.js';
import type { RequestHeaderFacts } from './headers.js';

export interface ChosenTarget {
  target: VersionTarget;
  pool: UpstreamPool;
  analysed: boolean;
}

/**
 * Picks the version and the endpoint. A canary with no healthy endpoint hands
 * its share to stable, and the analysis counts the attempt as a canary failure;
 * stable with none means 503 (null).
 */
export function chooseVersion(route: Route, facts: RequestHeaderFacts, peer: string, _req: IncomingMessage, _res: ServerResponse, ctx: ProxyContext): ChosenTarget | null {
  const decision = decideVersion(route, facts.overrideValue, overrideAllowed(route, peer), ctx.random);
  const now = ctx.now();
  if (decision.version === 'canary' && route.canary !== null) {
    const pool = route.canary.endpoints.pick(now);
    if (pool !== null) return { target: route.canary, pool, analysed: decision.analysed };
    if (decision.analysed) route.canary.recorder.recordAnalysisOnly(true, 0);
  }
  const pool = route.stable.endpoints.pick(now);
  if (pool === null) return null;
  return { target: route.stable, pool, analysed: decision.analysed && decision.version === 'stable' };
}

function overrideAllowed(route: Route, peer: string): boolean {
  if (!route.config.override?.enabled) return false;
  return route.overrideAllowList === null || route.overrideAllowList.check(peer);
}
