import type { UpstreamConfig } from '../config/schema.js';
import { probe, type ProbeResult } from './probe.js';
import type { UpstreamPool } from './upstream-pool.js';

export type HealthCheckSettings = NonNullable<UpstreamConfig['healthCheck']>;

/** Why an endpoint changed state, for the log. */
export interface HealthChange { origin: string; healthy: boolean; result: ProbeResult }

interface CheckState {
  settings: HealthCheckSettings;
  timer: NodeJS.Timeout;
  successes: number;
  failures: number;
  running: boolean;
}

/**
 * Thresholds of consecutive results (Envoy's unhealthy_threshold and
 * healthy_threshold), as a pure step so tests can walk it.
 */
export function nextHealth(healthy: boolean, streak: { successes: number; failures: number }, ok: boolean, s: Pick<HealthCheckSettings, 'unhealthyThreshold' | 'healthyThreshold'>): boolean {
  if (ok) {
    streak.successes++;
    streak.failures = 0;
    return healthy || streak.successes >= s.healthyThreshold;
  }
  streak.failures++;
  streak.successes = 0;
  return healthy ? streak.failures < s.unhealthyThreshold : false;
}

/**
 * Active health checks, one timer per endpoint origin that has `upstream.healthCheck`.
 * `sync()` runs after every route table build: new pools get a timer, retired
 * ones lose it, a changed interval restarts it. Timers are unref'd.
 */
export class HealthChecker {
  private readonly checks = new Map<UpstreamPool, CheckState>();

  constructor(private readonly onChange: (change: HealthChange) => void = () => {}) {}

  sync(pools: Iterable<UpstreamPool>): void {
    const live = new Set<UpstreamPool>();
    for (const pool of pools) {
      const settings = pool.healthCheck;
      if (settings === null || pool.isClosed) continue;
      live.add(pool);
      const existing = this.checks.get(pool);
      if (existing && existing.settings.interval === settings.interval) {
        existing.settings = settings;
        continue;
      }
      if (existing) clearInterval(existing.timer);
      const timer = setInterval(() => void this.check(pool), settings.interval);
      timer.unref();
      this.checks.set(pool, { settings, timer, successes: existing?.successes ?? 0, failures: existing?.failures ?? 0, running: false });
    }
    for (const [pool, state] of this.checks) {
      if (live.has(pool)) continue;
      clearInterval(state.timer);
      this.checks.delete(pool);
      // Without active checks nobody would ever mark it healthy again; an unknown one proves itself by connecting.
      if (!pool.isClosed && pool.health === 'unhealthy') pool.health = 'healthy';
    }
  }

  /** Runs one check now; exported for tests and for a first check at start. */
  async check(pool: UpstreamPool): Promise<void> {
    const state = this.checks.get(pool);
    // A slow endpoint must not pile up checks: one in flight per endpoint.
    if (!state || state.running || pool.isClosed) return;
    state.running = true;
    try {
      const s = state.settings;
      // An idle connection if there is one: a check under load must not open a new one.
      const result = await probe(pool.idleClient() ?? pool.pool, s.path, s.timeout);
      const before = pool.healthy;
      const wasUnknown = pool.health === 'unknown';
      const healthy = nextHealth(before, state, result.ok, s);
      // Envoy's first check: one pass proves an unknown endpoint; failures below the threshold leave it unknown.
      pool.health = !healthy ? 'unhealthy' : wasUnknown && !result.ok ? 'unknown' : 'healthy';
      if (pool.healthy !== before) {
        // Back from unhealthy: the passive backoff belongs to the outage that just ended.
        if (pool.healthy) pool.ejection.reset();
        this.onChange({ origin: pool.origin, healthy: pool.healthy, result });
      }
    } finally {
      state.running = false;
    }
  }

  async checkAll(): Promise<void> {
    await Promise.all([...this.checks.keys()].map((p) => this.check(p)));
  }

  stop(): void {
    for (const state of this.checks.values()) clearInterval(state.timer);
    this.checks.clear();
  }
}
