import { MIN_LATENCY_TOLERANCE } from '../analysis/policy.js';
import { checkIssues } from './check-semantics.js';
import type { ConfigIssue } from './errors.js';
import type { CutoverConfig, RouteConfig } from './schema.js';

// Checks that need more than one field at a time. Pure: config in, issues out.
// Paths are arrays so the loader can point at the exact YAML node.
export interface SemanticIssue { path: (string | number)[]; message: string }

export function checkSemantics(config: CutoverConfig): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const seen = new Map<string, number>();
  config.routes.forEach((route, i) => {
    const first = seen.get(route.name);
    if (first !== undefined) issues.push({ path: ['routes', i, 'name'], message: `duplicate route name "${route.name}" (also routes[${first}].name); names must be unique` });
    else seen.set(route.name, i);
    issues.push(...checkRoute(route, i));
    for (let j = 0; j < i; j++) {
      if (shadows(config.routes[j]!, route)) {
        issues.push({ path: ['routes', i, 'match'], message: `never matches: routes[${j}] ("${config.routes[j]!.name}") matches every request it would; move it above routes[${j}] or narrow routes[${j}].match` });
        break;
      }
    }
  });
  return issues;
}

function checkRoute(route: RouteConfig, i: number): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const at = (...rest: (string | number)[]) => ['routes', i, ...rest];
  issues.push(...duplicateEndpoints(route.stable.endpoints, at('stable', 'endpoints')));
  issues.push(...protocolSchemes(route, at));
  if (route.canary) {
    issues.push(...duplicateEndpoints(route.canary.endpoints, at('canary', 'endpoints')));
    const stable = new Set(route.stable.endpoints);
    route.canary.endpoints.forEach((e, k) => {
      if (stable.has(e)) issues.push({ path: at('canary', 'endpoints', k), message: `${e} is also a stable endpoint; a version cannot be compared with itself` });
    });
  } else {
    if (route.weight > 0) issues.push({ path: at('weight'), message: `is ${route.weight} but the route has no canary; add canary.endpoints or set weight: 0` });
    if (route.rollout) issues.push({ path: at('rollout'), message: 'a rollout needs a canary; add canary.endpoints or remove the rollout block' });
  }
  if (route.rollout) {
    const { steps, minStepDuration, maxStepDuration } = route.rollout;
    steps.forEach((s, k) => {
      if (s <= 0) issues.push({ path: at('rollout', 'steps', k), message: 'must be greater than 0 (weight 0 is the stable phase, not a step)' });
      else if (k > 0 && s <= steps[k - 1]!) issues.push({ path: at('rollout', 'steps', k), message: `must be greater than ${steps[k - 1]} (steps only go up)` });
    });
    if (maxStepDuration < minStepDuration) issues.push({ path: at('rollout', 'maxStepDuration'), message: `must be at least minStepDuration (${minStepDuration} ms)` });
    if (route.rollout.falseRollbackRate <= 0 || route.rollout.falseRollbackRate >= 0.5) issues.push({ path: at('rollout', 'falseRollbackRate'), message: 'must be above 0% and below 50%' });
    // The latency histogram's buckets are 10 % wide; a tolerance finer than half a bucket cannot be tested.
    if (route.rollout.latency.tolerance < MIN_LATENCY_TOLERANCE) issues.push({ path: at('rollout', 'latency', 'tolerance'), message: `must be at least ${(MIN_LATENCY_TOLERANCE * 100).toFixed(1)}% (the latency histogram resolves 10% steps)` });
  }
  issues.push(...checkIssues(route, i));
  if (route.upstream.healthCheck && route.upstream.healthCheck.timeout > route.upstream.healthCheck.interval) {
    issues.push({ path: at('upstream', 'healthCheck', 'timeout'), message: 'must not exceed the interval' });
  }
  return issues;
}

function duplicateEndpoints(endpoints: string[], path: (string | number)[]): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  endpoints.forEach((e, k) => {
    const first = endpoints.indexOf(e);
    if (first !== k) out.push({ path: [...path, k], message: `duplicate endpoint ${e} (also [${first}])` });
  });
  return out;
}

/** True when every request `later` could match is already taken by `earlier`. */
function shadows(earlier: RouteConfig, later: RouteConfig): boolean {
  if (!later.match.pathPrefix.startsWith(earlier.match.pathPrefix)) return false;
  const eh = earlier.match.host?.toLowerCase();
  const lh = later.match.host?.toLowerCase();
  if (eh === undefined) return true;
  if (lh === undefined) return false;
  if (eh === lh) return true;
  return eh.startsWith('*.') && !lh.startsWith('*.') && lh.endsWith(eh.slice(1));
}

/** Warnings do not stop a config; they are logged. */
export function configWarnings(config: CutoverConfig): string[] {
  const warnings: string[] = [];
  const adminHost = config.admin.listen.slice(0, config.admin.listen.lastIndexOf(':'));
  const loopback = adminHost === '127.0.0.1' || adminHost === 'localhost' || adminHost === '[::1]' || adminHost.startsWith('127.');
  if (!loopback && !config.admin.token) warnings.push(`admin.listen ${config.admin.listen} is not loopback and admin.token is not set: anyone who can reach it can steer rollouts`);
  return warnings;
}

export type { ConfigIssue };

/** `upstream.protocol` fixes the scheme: http2 negotiates by ALPN inside TLS, h2c has no TLS at all. */
function protocolSchemes(route: RouteConfig, at: (...rest: (string | number)[]) => (string | number)[]): SemanticIssue[] {
  const protocol = route.upstream.protocol;
  if (protocol === 'http1') return [];
  const want = protocol === 'http2' ? 'https:' : 'http:';
  const issues: SemanticIssue[] = [];
  const check = (endpoints: readonly string[], version: 'stable' | 'canary'): void => {
    endpoints.forEach((e, k) => {
      if (!e.startsWith(want)) {
        issues.push({ path: at(version, 'endpoints', k), message: protocol === 'http2'
          ? `${e}: upstream.protocol http2 needs https:// endpoints (HTTP/2 by ALPN over TLS); use protocol: h2c for cleartext HTTP/2`
          : `${e}: upstream.protocol h2c is cleartext HTTP/2 and needs http:// endpoints; use protocol: http2 for https://` });
      }
    });
  };
  check(route.stable.endpoints, 'stable');
  if (route.canary) check(route.canary.endpoints, 'canary');
  return issues;
}
