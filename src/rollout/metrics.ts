/**
 * Rollout metrics, registered on the app's registry. Gauges are read at scrape time from the
 * controller (nothing is updated per request); the transition counter is bumped per transition.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { registerCheckMetrics } from './checks/metrics.js';
import type { RolloutController } from './controller.js';
import { PHASES } from './types.js';

export function registerRolloutMetrics(registry: Registry, controller: RolloutController): void {
  const registers = [registry];
  new Gauge({
    name: 'cutover_rollout_phase', help: 'Phase of each route: 1 for the current phase, 0 for the others', labelNames: ['route', 'phase'], registers,
    collect() {
      this.reset();
      for (const r of controller.all()) for (const phase of PHASES) this.set({ route: r.name, phase }, r.state.phase === phase ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cutover_rollout_step', help: 'Index of the current rollout step (0-based; -1 before the first step)', labelNames: ['route'], registers,
    collect() {
      this.reset();
      for (const r of controller.all()) if (r.policy.automated) this.set({ route: r.name }, r.state.step);
    },
  });
  const transitions = new Counter({
    name: 'cutover_rollout_transitions_total', help: 'Rollout transitions by route and the phase entered', labelNames: ['route', 'phase'], registers,
  });
  controller.onTransition((t) => transitions.inc({ route: t.route, phase: t.to }));
  registerCheckMetrics(registry, () => controller.all());
  new Gauge({
    name: 'cutover_analysis_evalue',
    help: 'log10 of each test\'s e-value in the current step; side=revert is the evidence that the canary is worse, side=advance that it is within tolerance',
    labelNames: ['route', 'test', 'side'], registers,
    collect() {
      this.reset();
      for (const r of controller.all()) {
        for (const t of r.verdict?.tests ?? []) {
          this.set({ route: r.name, test: t.metric, side: 'revert' }, toLog10(t.revertLogE));
          this.set({ route: r.name, test: t.metric, side: 'advance' }, toLog10(t.advanceLogE));
        }
      }
    },
  });
  new Gauge({
    name: 'cutover_analysis_canary_samples', help: 'Analysed canary requests in the current step', labelNames: ['route'], registers,
    collect() {
      this.reset();
      for (const r of controller.all()) if (r.verdict) this.set({ route: r.name }, r.verdict.canary.requests);
    },
  });
}

function toLog10(logE: number): number {
  return Number.isFinite(logE) ? logE / Math.LN10 : logE > 0 ? 308 : -308;
}
