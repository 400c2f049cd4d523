import { TrafficWindow } from '../analysis/window.js';

export type RoutePhase = 'stable' | 'progressing' | 'paused' | 'promoted' | 'reverted' | 'manual';

/**
 * The live, mutable part of a route that outlives config reloads: the canary
 * share and the analysis window being filled. The rollout controller owns and
 * writes it; the data plane only reads `weight` and records into `window`.
 * Keeping it apart from the (immutable, swapped) route table is what lets a
 * weight change take effect on the very next request without rebuilding anything.
 */
export class RouteState {
  /** Percent of requests drawn to the canary, 0–100. */
  weight: number;
  phase: RoutePhase = 'stable';
  /** Filled by the data plane; swapped for a fresh one by the controller on each tick. */
  window = new TrafficWindow();
  /** Requests and upstream failures since start, per version, across reloads (admin API). */
  readonly totals = { stable: { requests: 0, failures: 0 }, canary: { requests: 0, failures: 0 } };

  constructor(readonly name: string, weight: number) {
    this.weight = weight;
  }

  /** Hands the filled window to the caller and starts a fresh one, without a gap. */
  drainWindow(): TrafficWindow {
    const filled = this.window;
    this.window = new TrafficWindow();
    return filled;
  }
}

/** RouteState by route name, kept across reloads so a reload never resets a rollout's weight. */
export class RouteStates {
  private readonly states = new Map<string, RouteState>();

  obtain(name: string, initialWeight: number): RouteState {
    let state = this.states.get(name);
    if (!state) {
      state = new RouteState(name, initialWeight);
      this.states.set(name, state);
    }
    return state;
  }

  get(name: string): RouteState | undefined {
    return this.states.get(name);
  }

  /** Forgets routes that no longer exist in the config. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.states.keys()) if (!names.has(name)) this.states.delete(name);
  }

  values(): IterableIterator<RouteState> {
    return this.states.values();
  }
}
