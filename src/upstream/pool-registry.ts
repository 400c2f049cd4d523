import { UpstreamPool, sameOptions, type PoolOptions } from './upstream-pool.js';

/**
 * Owns every UpstreamPool. A reload asks for the pools it needs; pools whose
 * origin and connection options are unchanged are handed back untouched (with
 * their warm connections), new ones are created, and the rest are retired with
 * close(), which lets their in-flight requests finish.
 */
export class PoolRegistry {
  private pools = new Map<string, UpstreamPool>();

  /** Returns the pool set for the wanted origins and the pools that are no longer needed. */
  reconcile(wanted: ReadonlyMap<string, PoolOptions>): { pools: Map<string, UpstreamPool>; retired: UpstreamPool[]; created: UpstreamPool[] } {
    const next = new Map<string, UpstreamPool>();
    const retired: UpstreamPool[] = [];
    const created: UpstreamPool[] = [];
    for (const [origin, options] of wanted) {
      const existing = this.pools.get(origin);
      if (existing && sameOptions(existing.options, options)) next.set(origin, existing);
      else {
        const pool = new UpstreamPool(origin, options);
        // A replaced pool hands over what it learnt about the endpoint's health.
        if (existing) pool.health = existing.health;
        next.set(origin, pool);
        created.push(pool);
      }
    }
    for (const [origin, pool] of this.pools) {
      if (next.get(origin) !== pool) retired.push(pool);
    }
    this.pools = next;
    return { pools: next, retired, created };
  }

  get(origin: string): UpstreamPool | undefined {
    return this.pools.get(origin);
  }

  all(): IterableIterator<UpstreamPool> {
    return this.pools.values();
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools = new Map();
    await Promise.all(pools.map((p) => p.close()));
  }
}
