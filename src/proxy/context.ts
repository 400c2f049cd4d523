import type { IncomingMessage } from 'node:http';
import type { LimitsConfig } from '../config/schema.js';
import type { Route } from '../routing/route-table.js';
import type { RandomSource } from '../routing/traffic-split.js';
import type { VersionName } from '../metrics/registry.js';

/**
 * What the data plane needs from its surroundings, passed in rather than
 * imported, so the proxy never reaches into the controller and tests can
 * drive the clock and the dice.
 */
export interface ProxyContext {
  /** Monotonic milliseconds (performance.now in production). */
  now(): number;
  random: RandomSource;
  limits: LimitsConfig;
  /** Set once SIGTERM arrived: finish what is in flight, keep nothing alive. */
  draining: boolean;
  /** Client addresses whose X-Forwarded-* headers are believed. */
  isTrustedProxy(address: string): boolean;
  countRetry(route: Route, reason: string): void;
  /** Called once per finished request; the access log hangs here (off by default). */
  requestDone(route: Route, version: VersionName, code: number, req: IncomingMessage, startedAt: number): void;
}
