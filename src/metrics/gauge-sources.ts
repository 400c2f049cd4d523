import type { Route, VersionTarget } from '../routing/route-table.js';
import type { RouteStates } from '../routing/route-state.js';
import type { GaugeSources } from './registry.js';

/**
 * The app's gauge sources, read at scrape time: weights from the route states, connections and
 * healthy endpoints from the route table that is live then (`routes` is called per scrape).
 */
export function routeGaugeSources(states: RouteStates, routes: () => readonly Route[], now: () => number): GaugeSources {
  return {
    routeWeights: () => [...states.values()].map((s) => ({ route: s.name, weight: s.weight })),
    upstreamConnections: () => routes().flatMap((r) => versionsOf(r).map((t) => {
      let active = 0;
      let idle = 0;
      for (const p of t.endpoints.pools) {
        const c = p.connections;
        active += c.active;
        idle += c.idle;
      }
      return { route: r.name, version: t.name, active, idle };
    })),
    healthyEndpoints: () => {
      const at = now();
      return routes().flatMap((r) => versionsOf(r).map((t) => ({ route: r.name, version: t.name, healthy: t.endpoints.availableCount(at) })));
    },
  };
}

function versionsOf(r: Route): VersionTarget[] {
  return [r.stable, ...(r.canary ? [r.canary] : [])];
}
