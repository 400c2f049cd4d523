/**
 * What each replica tells the fleet once a second, and what the fleet makes of it: who is live,
 * and whether every live replica runs the same route config as the leader. Pure.
 */
import { createHash } from 'node:crypto';
import type { CutoverConfig } from '../config/schema.js';

export interface Heartbeat {
  id: string;
  leader: boolean;
  /** Epoch ms of the heartbeat. */
  at: number;
  configHash: string;
  /** Canary weight applied, per route. */
  weights: Record<string, number>;
  requestsPerSecond: number;
}

/** A replica is live while its last heartbeat is younger than this. */
export function liveWindowMs(leaseTtlMs: number): number {
  return Math.max(3_000, 2 * leaseTtlMs);
}
/** Heartbeats older than this are removed from the store by the leader. */
export const FORGET_REPLICA_AFTER_MS = 60_000;

/**
 * The part of the config a rollout depends on: routes, versions, weights, rollout blocks.
 * Listeners, limits or log settings may differ between replicas without splitting the fleet.
 * Sticky secrets are left out so the hash in the API reveals nothing about them.
 */
export function routeConfigHash(config: CutoverConfig): string {
  const routes = config.routes.map((r) => ({
    name: r.name, match: r.match, stable: r.stable, canary: r.canary ?? null, weight: r.weight,
    sticky: r.sticky ? { cookie: r.sticky.cookie, maxAge: r.sticky.maxAge } : null, rollout: r.rollout ?? null,
  }));
  return createHash('sha256').update(JSON.stringify(routes)).digest('hex').slice(0, 12);
}

export function parseHeartbeats(raw: Record<string, string>): Heartbeat[] {
  const out: Heartbeat[] = [];
  for (const [id, json] of Object.entries(raw)) {
    try {
      const h = JSON.parse(json) as Partial<Heartbeat>;
      if (typeof h.at !== 'number' || typeof h.configHash !== 'string') continue;
      out.push({ id, leader: h.leader === true, at: h.at, configHash: h.configHash, weights: h.weights ?? {}, requestsPerSecond: Number(h.requestsPerSecond) || 0 });
    } catch {
      // A replica on another build; its entry is shown nowhere rather than breaking the list.
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** Live replicas whose config differs from `hash`, or null when they all agree. */
export function configDisagreement(replicas: readonly Heartbeat[], hash: string, now: number, liveMs: number): string | null {
  const differ = replicas.filter((h) => now - h.at < liveMs && h.configHash !== hash);
  if (differ.length === 0) return null;
  const list = differ.map((h) => `${h.id} (${h.configHash})`).join(', ');
  return `replica${differ.length > 1 ? 's' : ''} ${list} run${differ.length > 1 ? '' : 's'} a different route config than the leader (${hash}); load the same routes on every replica`;
}
