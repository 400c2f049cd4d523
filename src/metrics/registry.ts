import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PendingSeries, foldCounts, foldDurations } from './pending.js';

export type VersionName = 'stable' | 'canary';
export type UpstreamFailureKind = 'connect' | 'timeout' | 'reset' | 'protocol';

// Buckets from 1 ms to 30 s: an edge proxy sees both cache hits and slow reports.
const DURATION_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Sources the gauges read at scrape time, so nothing is updated per request. */
export interface GaugeSources {
  routeWeights(): Iterable<{ route: string; weight: number }>;
  upstreamConnections(): Iterable<{ route: string; version: VersionName; active: number; idle: number }>;
  /** Endpoints of each version that may be sent requests now (healthy and not ejected). */
  healthyEndpoints(): Iterable<{ route: string; version: VersionName; healthy: number }>;
  /** The data plane's TLS certificates and when each expires (Unix seconds). */
  certificates?(): Iterable<{ name: string; expiresAtSeconds: number }>;
}

/**
 * Every metric of DESIGN.md in one registry per app instance (a fresh Registry,
 * never the global one, keeps tests and several instances independent).
 */
export class CutoverMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'version' | 'code'>;
  readonly duration: Histogram<'route' | 'version'>;
  readonly upstreamErrors: Counter<'route' | 'version' | 'kind'>;
  readonly retries: Counter<'route' | 'reason'>;
  readonly canaryWeight: Gauge<'route'>;
  readonly upstreamConnections: Gauge<'route' | 'version' | 'state'>;
  readonly healthyEndpoints: Gauge<'route' | 'version'>;
  readonly upstreamConnects: Counter<'route' | 'version'>;
  readonly configReloads: Counter<'result'>;
  readonly shadowRequests: Counter<'route' | 'result'>;
  private sources: GaugeSources | null = null;
  /** Per (route, version): requests and durations not yet folded into the two metrics above (pending.ts). */
  private readonly pending = new Map<string, PendingSeries>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const pending = this.pending;
    this.requests = new Counter({
      name: 'cutover_requests_total', help: 'Requests answered, by route, version and status code', labelNames: ['route', 'version', 'code'], registers,
      collect() { foldCounts(this, pending.values()); },
    });
    this.duration = new Histogram({
      name: 'cutover_request_duration_seconds', help: 'Time from request received to response finished', labelNames: ['route', 'version'], buckets: DURATION_BUCKETS_S, registers,
      collect() { foldDurations(this, pending.values()); },
    });
    this.upstreamErrors = new Counter({ name: 'cutover_upstream_errors_total', help: 'Upstream failures by kind (connect, timeout, reset, protocol)', labelNames: ['route', 'version', 'kind'], registers });
    this.retries = new Counter({ name: 'cutover_retries_total', help: 'Requests retried on stable after a failed canary attempt', labelNames: ['route', 'reason'], registers });
    this.upstreamConnects = new Counter({ name: 'cutover_upstream_connects_total', help: 'New upstream connections opened', labelNames: ['route', 'version'], registers });
    this.configReloads = new Counter({ name: 'cutover_config_reloads_total', help: 'Config reloads by result (success, failure)', labelNames: ['result'], registers });
    this.shadowRequests = new Counter({ name: 'cutover_shadow_requests_total', help: 'Requests mirrored to the canary in the shadow step, by result (match, mismatch, error, dropped)', labelNames: ['route', 'result'], registers });
    const sourcesOf = (): GaugeSources | null => this.sources;
    this.canaryWeight = new Gauge({
      name: 'cutover_canary_weight', help: 'Percent of requests drawn to the canary', labelNames: ['route'], registers,
      collect() {
        this.reset();
        for (const { route, weight } of sourcesOf()?.routeWeights() ?? []) this.set({ route }, weight);
      },
    });
    this.upstreamConnections = new Gauge({
      name: 'cutover_upstream_connections', help: 'Open upstream connections by state (active, idle)', labelNames: ['route', 'version', 'state'], registers,
      collect() {
        this.reset();
        for (const c of sourcesOf()?.upstreamConnections() ?? []) {
          this.set({ route: c.route, version: c.version, state: 'active' }, c.active);
          this.set({ route: c.route, version: c.version, state: 'idle' }, c.idle);
        }
      },
    });
    this.healthyEndpoints = new Gauge({
      name: 'cutover_upstream_healthy_endpoints', help: 'Endpoints of each version that may be sent requests now (healthy, not ejected)', labelNames: ['route', 'version'], registers,
      collect() {
        this.reset();
        for (const h of sourcesOf()?.healthyEndpoints() ?? []) this.set({ route: h.route, version: h.version }, h.healthy);
      },
    });
    new Gauge({
      name: 'cutover_tls_certificate_expiry_seconds', help: 'When each served TLS certificate expires, as a Unix time in seconds (alert on it minus time())', labelNames: ['name'], registers,
      collect() {
        this.reset();
        for (const c of sourcesOf()?.certificates?.() ?? []) this.set({ name: c.name }, c.expiresAtSeconds);
      },
    });
    this.configReloads.inc({ result: 'success' }, 0);
    this.configReloads.inc({ result: 'failure' }, 0);
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The hot-path accumulator of one (route, version), shared by every recorder of it across reloads. */
  series(route: string, version: VersionName): PendingSeries {
    const key = `${route}\u0000${version}`;
    let s = this.pending.get(key);
    if (s === undefined) {
      s = new PendingSeries(route, version, DURATION_BUCKETS_S);
      this.pending.set(key, s);
    }
    return s;
  }

  setGaugeSources(sources: GaugeSources): void {
    this.sources = sources;
  }
}
