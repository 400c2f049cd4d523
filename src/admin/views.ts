import type { Route, VersionTarget } from '../routing/route-table.js';
import { countsAsProven, type EndpointHealth } from '../upstream/endpoint-health.js';

export interface EndpointView {
  origin: string;
  /** 'unknown' until the endpoint opened a connection or passed a health check. */
  health: EndpointHealth;
  /** Not failing health checks (also true while unknown: requests are still sent to it). */
  healthy: boolean;
  /** Passively ejected after connect failures in a row; ejectedForMs says how much longer. */
  ejected: boolean;
  ejectedForMs: number;
  connectFailuresInARow: number;
  connections: { active: number; idle: number };
}
export interface VersionView { endpoints: EndpointView[]; requests: number; failures: number; errorRate: number }
export interface RouteView {
  name: string;
  phase: string;
  weight: number;
  match: { host?: string; pathPrefix: string };
  revision?: string;
  stable: VersionView;
  canary: VersionView | null;
}

/** The JSON shape of a route for the admin API; controllers add their own fields on top. */
export function routeView(route: Route, nowMs: number): RouteView {
  return {
    name: route.name,
    phase: route.state.phase,
    weight: route.state.weight,
    match: route.config.match,
    ...(route.config.canary?.revision !== undefined ? { revision: route.config.canary.revision } : {}),
    stable: versionView(route.stable, nowMs),
    canary: route.canary ? versionView(route.canary, nowMs) : null,
  };
}

function versionView(target: VersionTarget, nowMs: number): VersionView {
  const { requests, failures } = target.recorder;
  return {
    endpoints: target.endpoints.pools.map((p) => {
      const ejectedForMs = Math.max(0, Math.ceil(p.ejectedUntil - nowMs));
      return { origin: p.origin, health: p.health, healthy: p.healthy, ejected: ejectedForMs > 0, ejectedForMs, connectFailuresInARow: p.ejection.failuresInARow, connections: p.connections };
    }),
    requests,
    failures,
    errorRate: requests > 0 ? failures / requests : 0,
  };
}

/**
 * The routes' part of /readyz: a route whose stable version has no available endpoint, or none
 * that has proven itself yet (endpoint-health.ts), makes the proxy not ready; an unhealthy, ejected
 * or unknown endpoint is only noted (the other endpoints, or stable, take its share). The canary
 * never decides readiness.
 */
export function routesReadiness(routes: readonly Route[], nowMs: number): { reasons: string[]; notes: string[] } {
  const reasons: string[] = [];
  const notes: string[] = [];
  for (const route of routes) {
    const stable = route.stable.endpoints;
    if (stable.availableCount(nowMs) === 0) reasons.push(`route ${route.name}: no healthy stable endpoint`);
    else if (!stable.pools.some((p) => p.available(nowMs) && countsAsProven(p))) reasons.push(`route ${route.name}: stable health unknown: no stable endpoint has opened a connection or passed a health check yet`);
    for (const target of route.canary ? [route.stable, route.canary] : [route.stable]) {
      for (const pool of target.endpoints.pools) {
        if (!pool.healthy) notes.push(`route ${route.name} ${target.name} ${pool.origin}: failing health checks`);
        else if (!countsAsProven(pool)) notes.push(`route ${route.name} ${target.name} ${pool.origin}: health unknown (no connection opened, no health check passed yet)`);
        else if (nowMs < pool.ejectedUntil) notes.push(`route ${route.name} ${target.name} ${pool.origin}: ejected for ${Math.ceil((pool.ejectedUntil - nowMs) / 1000)}s after connect failures`);
      }
    }
  }
  return { reasons, notes };
}
