/**
 * Reads the fleet's window slots in order and hands each to the ledger exactly once: as soon as
 * every live replica has pushed it, or once it is overdue (a replica that died or is late must not
 * stall the analysis). A slot is never read twice, so no request is counted twice.
 */
import type { Logger } from '../log.js';
import type { Heartbeat } from './heartbeat.js';
import type { FleetRedis } from './redis-store.js';
import type { WindowLedger } from './window-ledger.js';

/** Windows travel in half-second slots: the fleet's evidence reaches the leader about half a second late. */
export const SLOT_MS = 500;
/** A slot is summed once every live replica has pushed it, or this long after it ended. */
const SLOT_GRACE_MS = 1_500;
/** After an outage, older slots are not worth reading: their evidence is stale. */
const MAX_SLOT_BACKLOG = 10;

export class SlotReader {
  private nextSlot = -1;
  private busy = false;

  constructor(private readonly redis: FleetRedis, private readonly ledger: WindowLedger, private readonly log: Logger) {}

  /** Throws what Redis threw; the caller marks the store down. */
  async read(now: number, replicas: readonly Heartbeat[], liveMs: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const newest = Math.floor(now / SLOT_MS) - 1;
    if (this.nextSlot < 0 || newest - this.nextSlot > MAX_SLOT_BACKLOG) this.nextSlot = newest;
    try {
      while (this.nextSlot <= newest) {
        const entries = await this.redis.readSlot(this.nextSlot);
        const complete = replicas.every((h) => now - h.at >= liveMs || h.id in entries);
        const overdue = now >= (this.nextSlot + 1) * SLOT_MS + SLOT_GRACE_MS;
        if (!complete && !overdue) break;
        const rejected = this.ledger.addFleetSlot(Object.values(entries));
        if (rejected > 0) this.log.warn({ slot: this.nextSlot, rejected }, 'ignored traffic windows this build cannot read (a replica on another version?)');
        this.nextSlot++;
      }
    } finally {
      this.busy = false;
    }
  }
}
