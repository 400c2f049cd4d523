import type { CutoverConfig, RouteConfig } from '../config/schema.js';
import { VersionRecorder } from '../metrics/recorder.js';
import { ShadowRecorder } from '../metrics/shadow-recorder.js';
import type { CutoverMetrics, VersionName } from '../metrics/registry.js';
import { EndpointSet } from '../upstream/endpoint-set.js';
import type { PoolRegistry } from '../upstream/pool-registry.js';
import type { PoolOptions, UpstreamPool } from '../upstream/upstream-pool.js';
import { Route, RouteTable, type VersionTarget } from './route-table.js';
import type { RouteStates } from './route-state.js';

export interface RouteTableDeps {
  pools: PoolRegistry;
  states: RouteStates;
  metrics: CutoverMetrics;
}

/**
 * Builds the next route table from a validated config: reconciles the pools
 * (unchanged origins keep their pool and its connections), resolves metric label
 * children once, and re-points each pool's connect counters at its current roles.
 * Returns the pools that are no longer used, for the caller to retire after the swap.
 */
export function buildRouteTable(config: CutoverConfig, deps: RouteTableDeps, generation: number): { table: RouteTable; retired: UpstreamPool[]; created: UpstreamPool[] } {
  const { pools: registry, states, metrics } = deps;
  const { pools, retired, created } = registry.reconcile(wantedPools(config.routes));
  for (const pool of pools.values()) {
    pool.connectCounters = [];
    pool.warm = 0;
    pool.healthCheck = null;
  }
  applyUpkeep(config.routes, pools);

  const routes = config.routes.map((rc) => {
    const state = states.obtain(rc.name, rc.weight);
    const target = (name: VersionName, endpoints: string[]): VersionTarget => {
      const recorder = new VersionRecorder(metrics, rc.name, name, state);
      const versionPools = endpoints.map((e) => pools.get(e)!);
      for (const pool of versionPools) pool.connectCounters.push(recorder.connects);
      return { name, endpoints: new EndpointSet(versionPools), recorder };
    };
    const shadow = rc.canary && rc.rollout?.shadow ? new ShadowRecorder(metrics, rc.name, state) : null;
    return new Route(rc, state, target('stable', rc.stable.endpoints), rc.canary ? target('canary', rc.canary.endpoints) : null, shadow);
  });
  states.retain(new Set(config.routes.map((r) => r.name)));
  return { table: new RouteTable(routes, generation), retired, created };
}

/**
 * Warm connections, active checks and ejection are per origin, not per role:
 * an origin shared by two routes gets the larger warm count and the first
 * route's health check and ejection policy.
 */
function applyUpkeep(routes: readonly RouteConfig[], pools: ReadonlyMap<string, UpstreamPool>): void {
  const configured = new Set<UpstreamPool>();
  for (const route of routes) {
    const up = route.upstream;
    for (const e of [...route.stable.endpoints, ...(route.canary?.endpoints ?? [])]) {
      const pool = pools.get(e)!;
      // One HTTP/2 connection multiplexes every stream, and the Pool adds one only when it is full: hold one warm.
      pool.warm = Math.max(pool.warm, up.protocol === 'http1' ? up.warm : Math.min(up.warm, 1));
      if (pool.healthCheck === null && up.healthCheck) pool.healthCheck = up.healthCheck;
      if (configured.has(pool)) continue;
      configured.add(pool);
      pool.ejection.policy = { connectFailures: up.ejection.connectFailures, baseTimeMs: up.ejection.baseTime, maxTimeMs: up.ejection.maxTime };
    }
  }
}

function wantedPools(routes: readonly RouteConfig[]): Map<string, PoolOptions> {
  const wanted = new Map<string, PoolOptions>();
  for (const route of routes) {
    const options: PoolOptions = {
      connections: route.upstream.connections,
      connectTimeoutMs: route.upstream.connectTimeout,
      keepAliveTimeoutMs: route.upstream.keepAliveTimeout,
      protocol: route.upstream.protocol,
      caFile: route.upstream.ca,
    };
    for (const e of [...route.stable.endpoints, ...(route.canary?.endpoints ?? [])]) {
      const seen = wanted.get(e);
      // Two routes sharing an origin share its pool; the larger connection budget wins.
      if (!seen || seen.connections < options.connections) wanted.set(e, options);
    }
  }
  return wanted;
}
