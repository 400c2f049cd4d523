/** `GET /api/v1/fleet` and the `cutover_fleet_*` gauges: the replicas as the store last listed them. */
import { Gauge, type Registry } from 'prom-client';
import { sendJson, type AdminRouter } from '../admin/router.js';
import { liveWindowMs } from './heartbeat.js';
import type { FleetReplica } from './replica.js';

export interface FleetReplicaView {
  id: string;
  leader: boolean;
  self: boolean;
  lastHeartbeat: string;
  heartbeatAgeMs: number;
  live: boolean;
  requestsPerSecond: number;
  weights: Record<string, number>;
  configHash: string;
  /** False when its route config differs from this replica's: the leader holds every step then. */
  configMatches: boolean;
}

export function fleetView(f: FleetReplica, name: string, leaseTtlMs: number, now: number): object {
  const liveMs = liveWindowMs(leaseTtlMs);
  const replicas: FleetReplicaView[] = f.replicas.map((h) => ({
    id: h.id, leader: h.id === f.leaderId, self: h.id === f.id, lastHeartbeat: new Date(h.at).toISOString(), heartbeatAgeMs: Math.max(0, now - h.at),
    live: now - h.at < liveMs, requestsPerSecond: h.requestsPerSecond, weights: h.weights, configHash: h.configHash, configMatches: h.configHash === f.hash,
  }));
  return {
    name,
    replica: f.id,
    leader: f.leaderId,
    deciding: f.mayDecide(),
    leaseTtlMs,
    hold: f.mayDecide() ? f.holdReason() : null,
    store: { url: f.url, up: f.storeUp, error: f.lastError },
    replicas,
  };
}

export function registerFleetApi(router: AdminRouter, f: FleetReplica, name: string, leaseTtlMs: number): void {
  router.add('GET', '/api/v1/fleet', (_req, res) => sendJson(res, 200, fleetView(f, name, leaseTtlMs, Date.now())));
}

export function registerFleetMetrics(registry: Registry, f: FleetReplica, leaseTtlMs: number): void {
  new Gauge({
    name: 'cutover_fleet_leader', help: '1 on the replica that holds the fleet lease and decides, else 0', registers: [registry],
    collect() { this.set(f.mayDecide() ? 1 : 0); },
  });
  new Gauge({
    name: 'cutover_fleet_replicas', help: 'Live replicas in the fleet, as last listed by the store', registers: [registry],
    collect() {
      const now = Date.now();
      this.set(f.replicas.filter((h) => now - h.at < liveWindowMs(leaseTtlMs)).length);
    },
  });
  new Gauge({
    name: 'cutover_fleet_store_up', help: '1 while the fleet store (Redis) answers, else 0', registers: [registry],
    collect() { this.set(f.storeUp ? 1 : 0); },
  });
}
