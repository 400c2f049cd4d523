/**
 * The fleet's traffic windows, slot by slot (half a second). Each replica accumulates what its data
 * plane drained, per route and per weight it was drawn at, and pushes that once a slot; the sum of
 * every replica's slot is handed to the analysis. Tagging by weight keeps requests a replica
 * drew at the old weight (it applies a new one up to a second later) out of the new step, whose
 * randomised experiment assumes one weight (ANALYSIS.md). Pure: no I/O, no clock.
 */
import { TrafficWindow } from '../analysis/window.js';
import type { SerializedTrafficWindow } from '../analysis/window-codec.js';

/** One replica's slot on the wire: per route, `[weight, window]` chunks. */
export type ReplicaSlot = Record<string, [number, SerializedTrafficWindow][]>;

type ByWeight = Map<number, TrafficWindow>;

function addTo(map: Map<string, ByWeight>, route: string, weight: number, window: TrafficWindow): void {
  let byWeight = map.get(route);
  if (!byWeight) {
    byWeight = new Map();
    map.set(route, byWeight);
  }
  const into = byWeight.get(weight);
  if (into) into.addFrom(window);
  else {
    const copy = new TrafficWindow();
    copy.addFrom(window);
    byWeight.set(weight, copy);
  }
}

export class WindowLedger {
  private local = new Map<string, ByWeight>();
  private readonly fleet = new Map<string, ByWeight>();

  /** What this replica's data plane served since the last drain, drawn at `weight`. */
  addLocal(route: string, weight: number, window: TrafficWindow): void {
    if (!window.isEmpty()) addTo(this.local, route, weight, window);
  }

  /** Everything added since the last call, as one slot; `requests` is its total, for requests/s. */
  takeLocalSlot(): { slot: ReplicaSlot; requests: number } {
    const slot: ReplicaSlot = {};
    let requests = 0;
    for (const [route, byWeight] of this.local) {
      const chunks: [number, SerializedTrafficWindow][] = [];
      for (const [weight, w] of byWeight) {
        chunks.push([weight, w.toJSON()]);
        requests += w.stable.requests + w.canary.requests;
      }
      slot[route] = chunks;
    }
    this.local = new Map();
    return { slot, requests };
  }

  /**
   * Adds one slot of every replica (raw JSON as stored). Returns the entries it could not use:
   * a replica on another build must not corrupt the analysis, so a bad entry is skipped whole.
   */
  addFleetSlot(entries: Iterable<string>): number {
    let rejected = 0;
    for (const raw of entries) {
      let parsed: { route: string; weight: number; window: TrafficWindow }[];
      try {
        parsed = decodeSlot(raw);
      } catch {
        rejected++;
        continue;
      }
      for (const c of parsed) addTo(this.fleet, c.route, c.weight, c.window);
    }
    return rejected;
  }

  /** The fleet's traffic at `weight` since the last call; traffic at any other weight is dropped. */
  takeFleet(route: string, weight: number): TrafficWindow {
    const byWeight = this.fleet.get(route);
    if (!byWeight) return new TrafficWindow();
    this.fleet.delete(route);
    return byWeight.get(weight) ?? new TrafficWindow();
  }
}

function decodeSlot(raw: string): { route: string; weight: number; window: TrafficWindow }[] {
  const data: unknown = JSON.parse(raw);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('slot must be an object');
  const out: { route: string; weight: number; window: TrafficWindow }[] = [];
  for (const [route, chunks] of Object.entries(data as Record<string, unknown>)) {
    if (!Array.isArray(chunks)) throw new Error('chunks must be an array');
    for (const chunk of chunks) {
      if (!Array.isArray(chunk) || chunk.length !== 2 || typeof chunk[0] !== 'number' || !(chunk[0] >= 0 && chunk[0] <= 100)) throw new Error('bad chunk');
      out.push({ route, weight: chunk[0], window: TrafficWindow.fromJSON(chunk[1]) });
    }
  }
  return out;
}
