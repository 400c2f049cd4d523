import type { RouteConfig } from '../config/schema.js';
import type { VersionRecorder } from '../metrics/recorder.js';
import type { ShadowRecorder } from '../metrics/shadow-recorder.js';
import type { VersionName } from '../metrics/registry.js';
import type { EndpointSet } from '../upstream/endpoint-set.js';
import { AddressList } from './address-list.js';
import { FailurePolicy } from './failure-policy.js';
import { stickyCookieFor, type StickyCookie } from './sticky.js';
import { compileHostMatcher, type HostMatcher } from './host-match.js';
import type { RouteState } from './route-state.js';

/** One version of a route as the data plane sees it: where to send, and where to record. */
export interface VersionTarget {
  readonly name: VersionName;
  readonly endpoints: EndpointSet;
  readonly recorder: VersionRecorder;
}

/** An immutable, compiled route. A reload builds new ones; `state` is shared across reloads. */
export class Route {
  readonly name: string;
  private readonly host: HostMatcher | null;
  private readonly pathPrefix: string;
  /** Clients allowed to force a version; null = everyone (override.allowFrom unset). */
  readonly overrideAllowList: AddressList | null;
  /** The signed-bucket cookie when `sticky` is on and there is a canary; resolved here, not per request. */
  readonly stickyCookie: StickyCookie | null;
  /** What counts as a failed request for the analysis (`failure:`). */
  readonly failure: FailurePolicy;

  constructor(
    readonly config: RouteConfig,
    readonly state: RouteState,
    readonly stable: VersionTarget,
    readonly canary: VersionTarget | null,
    /** Set when the route has a canary and a rollout.shadow block; only used while shadowing. */
    readonly shadow: ShadowRecorder | null = null,
  ) {
    this.name = config.name;
    this.host = compileHostMatcher(config.match.host);
    this.pathPrefix = config.match.pathPrefix;
    const allowFrom = config.override?.allowFrom;
    this.overrideAllowList = allowFrom ? new AddressList(allowFrom) : null;
    this.stickyCookie = config.sticky !== undefined && canary !== null ? stickyCookieFor(config.sticky) : null;
    this.failure = new FailurePolicy(config.failure);
  }

  matches(host: string | undefined, path: string): boolean {
    if (this.host !== null && (host === undefined || !this.host(host))) return false;
    return this.pathPrefix === '/' || path.startsWith(this.pathPrefix);
  }
}

/**
 * The compiled routes of one config generation. Swapped as one reference on
 * reload (pingora's reload-by-swap): a request keeps the table it started with.
 */
export class RouteTable {
  constructor(readonly routes: readonly Route[], readonly generation: number) {}

  /** First match wins; null means 404. */
  match(host: string | undefined, path: string): Route | null {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!;
      if (route.matches(host, path)) return route;
    }
    return null;
  }

  byName(name: string): Route | undefined {
    return this.routes.find((r) => r.name === name);
  }
}
