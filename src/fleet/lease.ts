/**
 * The leader lease as this replica sees it, on its own monotonic clock. Redis holds the lease
 * for `ttl` from the moment it executed our renewal, which is no earlier than when we sent it;
 * so counting from the send time, minus a margin for clock-rate drift and scheduling, we stop
 * deciding before the lease can have expired in Redis and been taken by another replica.
 * Pure: time is passed in.
 */
export type LeaseGrant = 'acquired' | 'renewed';

/** Never less than 100 ms, and a fifth of the TTL: a 3 s lease stops deciding 600 ms early. */
export function leaseSafetyMargin(ttlMs: number): number {
  return Math.max(100, Math.floor(ttlMs / 5));
}

export class LeaderLease {
  readonly marginMs: number;
  /** Renewals are sent this often: three tries before the lease can lapse. */
  readonly renewEveryMs: number;
  /** The fencing counter of our current term, 0 when we hold none. */
  fence = 0;
  /** Who holds the lease, as last answered by the store. */
  holder: string | null = null;
  /** The highest fence ever seen, so a store restarted empty never hands out an old one again. */
  highestFence = 0;
  private validUntil = Number.NEGATIVE_INFINITY;

  constructor(readonly replica: string, readonly ttlMs: number) {
    this.marginMs = leaseSafetyMargin(ttlMs);
    this.renewEveryMs = Math.max(50, Math.floor(ttlMs / 3));
  }

  /** The store granted the renewal (or a new term) sent at `sentAt`. */
  granted(sentAt: number, fence: number, now: number): LeaseGrant {
    const kind: LeaseGrant = fence === this.fence && this.validUntil > Number.NEGATIVE_INFINITY ? 'renewed' : 'acquired';
    this.fence = fence;
    this.holder = this.replica;
    this.highestFence = Math.max(this.highestFence, fence);
    // A reply that took longer than the margin proves little; never extend past what it proves.
    this.validUntil = Math.max(this.validUntil, sentAt + this.ttlMs - this.marginMs);
    if (this.validUntil <= now) this.validUntil = Number.NEGATIVE_INFINITY;
    return kind;
  }

  /** Another replica holds it. */
  denied(holder: string, fence: number): void {
    this.fence = 0;
    this.holder = holder;
    this.highestFence = Math.max(this.highestFence, fence);
    this.validUntil = Number.NEGATIVE_INFINITY;
  }

  /** A write was refused by the fence check: someone else holds a newer term. */
  lost(): void {
    this.fence = 0;
    this.validUntil = Number.NEGATIVE_INFINITY;
  }

  /** True while this replica may decide. */
  held(now: number): boolean {
    return this.fence > 0 && now < this.validUntil;
  }

  /** The lease value in the store: `replica|fence`, which the compare-and-set compares. */
  token(): string {
    return `${this.replica}|${this.fence}`;
  }
}
