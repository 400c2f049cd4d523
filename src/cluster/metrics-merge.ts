import { AggregatorRegistry } from 'prom-client';
import type { MetricSnapshot } from './messages.js';

/**
 * /metrics in workers mode: the primary's own registry plus the latest snapshot of every
 * worker, summed by prom-client's cluster aggregation (each metric's `aggregator`, sum by
 * default). Counters and histograms of workers that exited are kept, so a replaced worker
 * does not make the sum go backwards, which Prometheus would read as a counter reset.
 */
export class ClusterMetrics {
  private readonly live = new Map<number, { metrics: MetricSnapshot; process: MetricSnapshot }>();
  private retired: MetricSnapshot = [];

  update(workerId: number, metrics: MetricSnapshot, processMetrics: MetricSnapshot | undefined): void {
    const slot = this.live.get(workerId);
    if (slot) {
      slot.metrics = metrics;
      if (processMetrics) slot.process = processMetrics;
    } else {
      this.live.set(workerId, { metrics, process: processMetrics ?? [] });
    }
  }

  /** A worker exited: fold its cumulative series into the retired total; its gauges go with it. */
  async retire(workerId: number): Promise<void> {
    const slot = this.live.get(workerId);
    this.live.delete(workerId);
    if (!slot) return;
    const cumulative = slot.metrics.filter((m) => (m.type as unknown as string) !== 'gauge');
    // Collapsed to one snapshot, so a crash loop cannot grow this without bound.
    this.retired = await AggregatorRegistry.aggregate([this.retired, cumulative]).getMetricsAsJSON();
  }

  async text(own: MetricSnapshot, contentType: string): Promise<{ contentType: string; body: string }> {
    const all: MetricSnapshot[] = [own, this.retired];
    for (const slot of this.live.values()) all.push(slot.metrics, slot.process);
    const merged = AggregatorRegistry.aggregate(all);
    return { contentType, body: await merged.metrics() };
  }
}
