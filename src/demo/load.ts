import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface LoadOptions {
  /** The proxy's data-plane origin, e.g. http://127.0.0.1:8080. */
  target: string;
  /** With `cutover demo --fleet N`: every replica's data plane, served round-robin (`target` is the first). */
  targets?: string[];
  /** Requests per second. */
  rate: number;
  /** Hard cap on requests sent, whatever the time. */
  maxRequests: number;
  /** Concurrent requests at most; beyond it a tick's requests are skipped, not queued, so the load never piles up. */
  maxInFlight?: number;
  /** Maps the x-upstream answer header to a version; the demo upstreams answer v1 (stable) and v2 (canary). */
  versionOf?: (upstream: string | undefined) => 'stable' | 'canary' | 'unknown';
}

/** What the load generator saw from the client side over the last few seconds. */
export interface ClientVersionStats { requests: number; failures: number; rps: number; p99Ms: number }
export interface ClientStats {
  sent: number;
  answered: number;
  /** Requests that got no HTTP answer at all (connection refused or reset by the proxy). */
  transportErrors: number;
  /** Answers 5xx, all versions. */
  failures: number;
  stable: ClientVersionStats;
  canary: ClientVersionStats;
}

const TICK_MS = 20;
const WINDOW_MS = 5_000;
const DEFAULT_MAX_IN_FLIGHT = 64;

interface Sample { at: number; ms: number; failed: boolean }

/**
 * A bounded synthetic load: a fixed request rate through one undici pool, capped in count and
 * stopped on demand. It measures what a client sees, per version, as a cross-check of the
 * proxy's own numbers.
 */
export class SyntheticLoad {
  /** One per target; requests go round-robin over them (a load balancer in front of a fleet). */
  private readonly pools: Pool[];
  private readonly maxInFlight: number;
  private readonly versionOf: NonNullable<LoadOptions['versionOf']>;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private credit = 0;
  private lastTick = 0;
  private readonly idle: (() => void)[] = [];
  private readonly totals = { sent: 0, answered: 0, transportErrors: 0, failures: 0 };
  private readonly perVersion = {
    stable: { requests: 0, failures: 0, recent: [] as Sample[] },
    canary: { requests: 0, failures: 0, recent: [] as Sample[] },
  };

  constructor(private readonly options: LoadOptions) {
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.pools = (options.targets ?? [options.target]).map((t) => new Pool(t, { connections: this.maxInFlight, pipelining: 1 }));
    this.versionOf = options.versionOf ?? defaultVersionOf;
  }

  start(): void {
    if (this.timer) return;
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops sending, waits for requests in flight, closes the connections. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await Promise.all(this.pools.map((p) => p.close()));
  }

  get done(): boolean {
    return this.totals.sent >= this.options.maxRequests;
  }

  stats(now = performance.now()): ClientStats {
    return { ...this.totals, stable: this.versionStats('stable', now), canary: this.versionStats('canary', now) };
  }

  private versionStats(version: 'stable' | 'canary', now: number): ClientVersionStats {
    const v = this.perVersion[version];
    const since = now - WINDOW_MS;
    while (v.recent.length > 0 && v.recent[0]!.at < since) v.recent.shift();
    const sorted = v.recent.map((s) => s.ms).sort((a, b) => a - b);
    const p99 = sorted.length > 0 ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : 0;
    return { requests: v.requests, failures: v.failures, rps: v.recent.length / (WINDOW_MS / 1000), p99Ms: p99 };
  }

  private tick(): void {
    const now = performance.now();
    this.credit += ((now - this.lastTick) / 1000) * this.options.rate;
    this.lastTick = now;
    // Never let a stalled event loop turn into a burst of more than one tick's worth twice over.
    this.credit = Math.min(this.credit, (this.options.rate * TICK_MS * 2) / 1000 + 1);
    while (this.credit >= 1 && !this.done) {
      this.credit -= 1;
      if (this.inFlight >= this.maxInFlight) continue;
      this.send();
    }
    if (this.done && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private send(): void {
    this.totals.sent++;
    this.inFlight++;
    const startedAt = performance.now();
    this.pools[this.totals.sent % this.pools.length]!.request({ method: 'GET', path: `/demo/${this.totals.sent}` }).then(async (res) => {
      await res.body.dump();
      this.totals.answered++;
      const failed = res.statusCode >= 500;
      if (failed) this.totals.failures++;
      const header = res.headers['x-upstream'];
      const version = this.versionOf(Array.isArray(header) ? header[0] : header);
      if (version !== 'unknown') {
        const v = this.perVersion[version];
        v.requests++;
        if (failed) v.failures++;
        const at = performance.now();
        v.recent.push({ at, ms: at - startedAt, failed });
      }
    }, () => {
      this.totals.transportErrors++;
    }).finally(() => {
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }
}

function defaultVersionOf(upstream: string | undefined): 'stable' | 'canary' | 'unknown' {
  if (upstream === 'v1') return 'stable';
  if (upstream === 'v2') return 'canary';
  return 'unknown';
}
