import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
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
 * stable with none means 503 (null). `now` is the request's arrival time: the
 * endpoint health it is compared with changes on a scale of seconds, not the
 * microseconds since, so the clock is not read again.
 */
export function chooseVersion(route: Route, facts: RequestHeaderFacts, peer: string, req: IncomingMessage, res: ServerResponse, ctx: ProxyContext, now: number): ChosenTarget | null {
  let bucket = -1;
  const cookie = route.stickyCookie;
  if (cookie !== null) {
    bucket = cookie.bucketOf(facts.cookie);
    if (bucket < 0) {
      // No cookie, or one we did not sign: a new client.
      bucket = cookie.newBucket(ctx.random);
      (res as StickyTagged)[kStickyCookie] = cookie.setCookie(bucket, cameOverTls(req, peer, ctx));
    }
  }
  const decision = decideVersion(route, facts.overrideValue, overrideAllowed(route, peer), ctx.random, bucket);
  if (decision.version === 'canary' && route.canary !== null) {
    const pool = route.canary.endpoints.pick(now);
    if (pool !== null) return { target: route.canary, pool, analysed: decision.analysed };
    if (decision.analysed) route.canary.recorder.recordAnalysisOnly(true, 0);
  }
  const pool = route.stable.endpoints.pick(now);
  if (pool === null) return null;
  return { target: route.stable, pool, analysed: decision.analysed && decision.version === 'stable' };
}

const kStickyCookie = Symbol('cutover.stickyCookie');
type StickyTagged = ServerResponse & { [kStickyCookie]?: string };

/** The Set-Cookie line chooseVersion decided for this response, if any. */
export function stickyCookieOf(res: ServerResponse): string | undefined {
  return (res as StickyTagged)[kStickyCookie];
}

/** TLS on our own socket, or X-Forwarded-Proto: https from a trusted proxy: then the cookie gets Secure. */
function cameOverTls(req: IncomingMessage, peer: string, ctx: ProxyContext): boolean {
  if ((req.socket as TLSSocket).encrypted === true) return true;
  if (!ctx.isTrustedProxy(peer)) return false;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 17 && raw[i]!.toLowerCase() === 'x-forwarded-proto') return raw[i + 1]!.trim().toLowerCase() === 'https';
  }
  return false;
}

function overrideAllowed(route: Route, peer: string): boolean {
  if (!route.config.override?.enabled) return false;
  return route.overrideAllowList === null || route.overrideAllowList.check(peer);
}
