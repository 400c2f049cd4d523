import { ShadowWindow } from '../analysis/shadow-window.js';
import { TrafficWindow } from '../analysis/window.js';

export type RoutePhase = 'stable' | 'shadowing' | 'progressing' | 'paused' | 'promoted' | 'reverted' | 'manual';

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

  /**
   * Share (0–1) of eligible requests the data plane mirrors to the canary; 0 = not shadowing,
   * which is all the hot path reads. The controller sets it for the shadow step only.
   */
  shadowShare = 0;
  /** Filled with compared pairs while shadowing; null otherwise. Drained by the controller like `window`. */
  shadowWindow: ShadowWindow | null = null;
  /** Copies to the canary in flight now (bounded by shadow.maxInFlight). */
  shadowInFlight = 0;
  /** The latest mismatches, newest last, at most `shadowExampleLimit`. */
  shadowExamples: ShadowExample[] = [];
  shadowExampleLimit = 0;

  constructor(readonly name: string, weight: number) {
    this.weight = weight;
  }

  /** Hands the filled window to the caller and starts a fresh one, without a gap. */
  drainWindow(): TrafficWindow {
    const filled = this.window;
    this.window = new TrafficWindow();
    return filled;
  }

  /** Starts a shadow step: fresh window and examples; the data plane mirrors from the next request. */
  startShadow(share: number, exampleLimit: number): void {
    this.shadowWindow = new ShadowWindow();
    this.shadowExamples = [];
    this.shadowExampleLimit = exampleLimit;
    this.shadowShare = share;
  }

  /** Stops mirroring; copies still in flight find no window and are not counted. */
  stopShadow(): void {
    this.shadowShare = 0;
    this.shadowWindow = null;
  }

  /** Hands the filled shadow window over and installs `spare` (reset here), or null when not shadowing. */
  drainShadowWindow(spare: ShadowWindow): ShadowWindow | null {
    const filled = this.shadowWindow;
    if (filled === null) return null;
    spare.reset();
    this.shadowWindow = spare;
    return filled;
  }

  addShadowExample(example: ShadowExample): void {
    if (this.shadowExampleLimit <= 0) return;
    this.shadowExamples.push(example);
    if (this.shadowExamples.length > this.shadowExampleLimit) this.shadowExamples.shift();
  }
}

/** One mismatch as shown to operators: already redacted and cut short by the data plane. */
export interface ShadowExample {
  /** Epoch ms. */
  at: number;
  method: string;
  /** Without the query string, which may carry secrets. */
  path: string;
  part: 'status' | 'headers' | 'body' | 'error';
  diff: string;
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
