import type { UpstreamPool } from './upstream-pool.js';

/**
 * The endpoints of one version of a route. Requests are spread round-robin over
 * the endpoints that are available; the version itself was already chosen by an
 * independent random draw, so round-robin here does not bias the analysis.
 */
export class EndpointSet {
  private cursor = 0;

  constructor(readonly pools: readonly UpstreamPool[]) {}

  /** The next available endpoint, or null when none is healthy. */
  pick(nowMs: number): UpstreamPool | null {
    const n = this.pools.length;
    for (let i = 0; i < n; i++) {
      const pool = this.pools[(this.cursor + i) % n]!;
      if (pool.available(nowMs)) {
        this.cursor = (this.cursor + i + 1) % n;
        return pool;
      }
    }
    return null;
  }

  availableCount(nowMs: number): number {
    let count = 0;
    for (const pool of this.pools) if (pool.available(nowMs)) count++;
    return count;
  }
}
