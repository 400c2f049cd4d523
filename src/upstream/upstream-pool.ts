import { readFileSync } from 'node:fs';
import { rootCertificates as tlsRootCertificates } from 'node:tls';
import { Client, Pool } from 'undici';
import { PassiveEjection } from './ejection.js';
import type { EndpointHealth } from './endpoint-health.js';
import { continueDiscardingConnector } from './interim-continue.js';
import type { HealthCheckSettings } from './health-check.js';

export interface PoolOptions {
  connections: number;
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** `upstream.protocol`: http1, http2 (TLS + ALPN) or h2c (cleartext prior knowledge). */
  protocol?: 'http1' | 'http2' | 'h2c';
  /** `upstream.ca`: a PEM file of CAs to trust for https:// endpoints, beside the system's. */
  caFile?: string;
}

/**
 * Streams one HTTP/2 connection carries before the Pool opens another (nginx's
 * http2_max_concurrent_streams is 128; gRPC servers usually offer 100 or more).
 */
export const H2_STREAMS_PER_CONNECTION = 100;

/** Something that counts new upstream connections, e.g. a prom-client counter child. */
export interface ConnectCounter { inc(): void }

/**
 * One undici Pool per endpoint origin, keyed by origin rather than by role, so
 * a pool (and its warm connections) survives a weight change, a reload and the
 * final swap of roles. A plain Pool, not BalancedPool: BalancedPool lowers an
 * origin's weight on errors, which would hide exactly what the analysis measures.
 */
export class UpstreamPool {
  readonly pool: Pool;
  /** New TCP connections opened over the pool's lifetime. */
  connects = 0;
  /** 'unknown' until the endpoint proves itself (endpoint-health.ts); the health checker writes the rest. */
  health: EndpointHealth = 'unknown';
  /** Fed by the proxy's connect failures and successes. */
  readonly ejection = new PassiveEjection();
  /** Idle connections the warm keeper holds open (the largest `upstream.warm` of the routes using this origin). */
  warm = 0;
  /** Active checks for this origin, or null; set on every route table build, like connectCounters. */
  healthCheck: HealthCheckSettings | null = null;
  /** Who to tell about new connections: the (route, version) pairs using this pool right now. */
  connectCounters: ConnectCounter[] = [];
  /**
   * Every Client the Pool created, in the Pool's own order (it never removes one
   * without clientTtl). The Pool hands each request to the first free Client, so
   * the warm keeper keeps the first `warm` of these connected.
   */
  readonly clients: Client[] = [];
  private closed = false;

  constructor(readonly origin: string, readonly options: PoolOptions) {
    const h2 = options.protocol === 'http2' || options.protocol === 'h2c';
    // undici speaks HTTP/2 to both: allowH2 negotiates it by ALPN over TLS, and the connector's useH2c
    // (undici >= 7.10, not in its typings yet; a Pool reads it from `connect`, not from its own options)
    // starts cleartext HTTP/2 with prior knowledge. So every protocol keeps one Pool per origin with the
    // same warm keeper, health checks, ejection and retry as HTTP/1.1.
    const protocolOptions = h2 ? { allowH2: true, pipelining: H2_STREAMS_PER_CONNECTION, maxConcurrentStreams: H2_STREAMS_PER_CONNECTION } : { pipelining: 1 };
    const connect = {
      timeout: options.connectTimeoutMs,
      ...(options.protocol === 'h2c' ? { useH2c: true } : {}),
      ...(options.caFile ? { ca: [...rootCertificatesOnce(), readFileSync(options.caFile, 'utf8')] } : {}),
    };
    this.pool = new Pool(origin, {
      connections: options.connections,
      ...protocolOptions,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs, 600_000),
      // HTTP/1.1: a stray 100 Continue must not cost the request (interim-continue.ts). HTTP/2 has no such
      // parser to protect, and the Pool applies allowH2 (ALPN) only to a connector it builds itself.
      connect: h2 ? connect : continueDiscardingConnector(connect),
      // Per-request timeouts are passed with each dispatch; these are only fallbacks.
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      strictContentLength: true,
      factory: (o, opts) => {
        const client = new Client(o, opts);
        this.clients.push(client);
        return client;
      },
    });
    this.pool.on('connect', this.onConnect);
    // A Pool emits 'connectionError' and 'disconnect'; without listeners they are harmless,
    // but listen so an emitter change upstream can never turn into an unhandled 'error'.
    this.pool.on('connectionError', noop);
    this.pool.on('disconnect', noop);
  }

  /** The endpoint picker skips pools that are not available; an unknown endpoint is tried. */
  get healthy(): boolean {
    return this.health !== 'unhealthy';
  }

  set healthy(ok: boolean) {
    this.health = ok ? 'healthy' : 'unhealthy';
  }

  private readonly onConnect = (): void => {
    this.connects++;
    // A connection opened: the endpoint is there. Where health checks are configured, their verdict is what counts.
    if (this.health === 'unknown' && this.healthCheck === null) this.health = 'healthy';
    for (const counter of this.connectCounters) counter.inc();
  };

  /** Whether requests may be sent here now. */
  available(nowMs: number): boolean {
    return this.healthy && nowMs >= this.ejection.ejectedUntil;
  }

  get ejectedUntil(): number {
    return this.ejection.ejectedUntil;
  }

  /** Hot-path hook: the proxy could not connect (refused, unreachable, connect timeout). */
  connectFailed(nowMs: number): void {
    this.ejection.connectFailed(nowMs);
  }

  /** Hot-path hook: the upstream answered, so it accepts connections. */
  answered(): void {
    this.ejection.succeeded();
  }

  get stats(): { connected: number; free: number; pending: number; running: number } {
    const s = this.pool.stats;
    return { connected: s.connected, free: s.free, pending: s.pending, running: s.running };
  }

  /** Open connections as the admin API and `cutover_upstream_connections` show them: busy (active) or idle. */
  get connections(): { active: number; idle: number } {
    const s = this.pool.stats;
    return { active: s.connected - s.free, idle: s.free };
  }

  /** A connected Client with nothing in flight, for a probe that must not open a connection; else null. */
  idleClient(): Client | null {
    for (const client of this.clients) {
      if (client.closed || client.destroyed) continue;
      const s = client.stats;
      if (s.connected && s.running === 0 && s.pending === 0) return client;
    }
    return null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Lets queued and running requests finish, then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  async destroy(): Promise<void> {
    this.closed = true;
    await this.pool.destroy();
  }
}

function noop(): void {}

let roots: readonly string[] | null = null;
/** The system's CAs, kept when `upstream.ca` adds one (Node's `ca` option replaces them otherwise). */
function rootCertificatesOnce(): readonly string[] {
  roots ??= tlsRootCertificates;
  return roots;
}

export function sameOptions(a: PoolOptions, b: PoolOptions): boolean {
  return a.connections === b.connections && a.connectTimeoutMs === b.connectTimeoutMs && a.keepAliveTimeoutMs === b.keepAliveTimeoutMs
    && (a.protocol ?? 'http1') === (b.protocol ?? 'http1') && a.caFile === b.caFile;
}
