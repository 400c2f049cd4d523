/**
 * cutover_check_value{route,check,version} and cutover_check_failures_total{route,check}, read
 * from the controller at scrape time like the other rollout metrics.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RouteRollout } from '../route-rollout.js';

export function registerCheckMetrics(registry: Registry, routes: () => Iterable<RouteRollout>): void {
  const registers = [registry];
  new Gauge({
    name: 'cutover_check_value',
    help: 'Latest value of each rollout check in the current or last step; version=stable only for compare checks',
    labelNames: ['route', 'check', 'version'], registers,
    collect() {
      this.reset();
      for (const r of routes()) {
        for (const rec of r.checks?.records.values() ?? []) {
          const last = rec.last;
          if (last?.canary != null) this.set({ route: r.name, check: rec.name, version: 'canary' }, last.canary);
          if (last?.stable != null) this.set({ route: r.name, check: rec.name, version: 'stable' }, last.stable);
        }
      }
    },
  });
  new Counter({
    name: 'cutover_check_failures_total',
    help: 'Failed evaluations of each rollout check (noData counts only with noData: fail)',
    labelNames: ['route', 'check'], registers,
    collect() {
      this.reset();
      for (const r of routes()) {
        for (const c of r.config.rollout?.checks ?? []) this.inc({ route: r.name, check: c.name }, r.checkFailures.get(c.name) ?? 0);
      }
    },
  });
}
