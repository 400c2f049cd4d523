import { DEFAULT_HEALTH_CHECK } from '../config/defaults.js';
import { probe } from './probe.js';
import type { UpstreamPool } from './upstream-pool.js';

/** Upper bound of the refresh period; Node's own servers close idle connections after 5 s. */
export const WARM_INTERVAL_MAX_MS = 1_000;
const WARM_INTERVAL_MIN_MS = 100;
const WARM_PING_TIMEOUT_MS = 2_000;

/**
 * Holds `warm` idle keep-alive connections open to every endpoint, whatever its
 * weight. An undici Pool opens connections only on demand and hands each request
 * to its first free Client, so:
 * - to open N, send N cheap requests (GET of the health-check path) at once
 *   through the Pool, before any live traffic (warmNow);
 * - to keep them, ping each of the first N Clients that is idle, directly on
 *   that Client, more often than any keep-alive timeout on either side. Pinging
 *   through the Pool instead would make all N busy at once, and a live request
 *   arriving in that instant would open an extra connection; a direct ping can
 *   at worst hold one live request back for one ping's round trip.
 * A Client whose connection the upstream closed reconnects on its next ping.
 */
export class WarmKeeper {
  private timer: NodeJS.Timeout | null = null;
  private intervalMs = WARM_INTERVAL_MAX_MS;
  private readonly inFlight = new WeakSet<UpstreamPool>();

  constructor(private readonly pools: () => Iterable<UpstreamPool>) {}

  /** (Re)starts the timer with a period below every pool's keep-alive timeout. */
  start(): void {
    let interval = WARM_INTERVAL_MAX_MS;
    for (const pool of this.pools()) {
      if (pool.warm > 0) interval = Math.min(interval, Math.max(WARM_INTERVAL_MIN_MS, Math.floor(pool.options.keepAliveTimeoutMs / 2)));
    }
    if (this.timer !== null && interval === this.intervalMs) return;
    this.stop();
    this.intervalMs = interval;
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  tick(): void {
    for (const pool of this.pools()) void this.refresh(pool);
  }

  /**
   * Opens (or refreshes) connections to the given pools now and waits for
   * them, bounded by the ping timeout: called before a new table goes live,
   * so a canary's connections exist before its first request.
   */
  async warmNow(pools: Iterable<UpstreamPool>): Promise<void> {
    await Promise.all([...pools].map((p) => this.refresh(p)));
  }

  private async refresh(pool: UpstreamPool): Promise<void> {
    if (pool.warm <= 0 || pool.isClosed || this.inFlight.has(pool)) return;
    const path = pool.healthCheck?.path ?? DEFAULT_HEALTH_CHECK.path;
    const all: Promise<unknown>[] = [];
    const clients = pool.clients;
    if (clients.length < pool.warm) {
      // Too few Clients: only the Pool can add them, and only when all it has are busy.
      const pings = pool.warm - pool.connections.active;
      for (let i = 0; i < pings; i++) all.push(probe(pool.pool, path, WARM_PING_TIMEOUT_MS));
    } else {
      for (let i = 0; i < pool.warm; i++) {
        const client = clients[i]!;
        if (client.closed || client.destroyed) continue;
        const s = client.stats;
        // Busy with live traffic means kept alive already.
        if (s.running === 0 && s.pending === 0) all.push(probe(client, path, WARM_PING_TIMEOUT_MS));
      }
    }
    if (all.length === 0) return;
    this.inFlight.add(pool);
    try {
      await Promise.all(all);
    } finally {
      this.inFlight.delete(pool);
    }
  }
}
