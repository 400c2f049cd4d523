/**
 * Where rollout state lives: the seam between the controller and its durable record. One process
 * keeps it in the state file (the embedded default); a fleet keeps it in Redis (src/fleet/), where
 * only the leader decides and every write is a compare-and-set on its fencing counter.
 */
import type { CommandResult } from './controller.js';
import { readStateFile, setAsideStateFile, writeStateFile, type StateFileRead } from './state-file.js';
import type { OperatorAction, RolloutState } from './types.js';

/** What a store may ask of the controller that uses it (a fleet store learns of states written elsewhere). */
export interface RolloutStoreHooks {
  /** A state the leader wrote, for a process that does not decide: apply it as it is. */
  adopt(route: string, state: RolloutState): void;
  /** This process became the one that decides: carry on from `saved` (or from what it holds). */
  takeOver(saved: ReadonlyMap<string, RolloutState>): Promise<void>;
  /** Steering forwarded from a process that does not decide. */
  command(route: string, action: OperatorAction, weight: number | undefined): Promise<CommandResult>;
  /** Every route's state as this process holds it. */
  states(): ReadonlyMap<string, RolloutState>;
}

export interface RolloutStore {
  /** The saved states at start; `problem` says why they cannot be trusted. */
  load(): Promise<StateFileRead>;
  /** Makes `next` the durable state of `route` (`all` holds every route, `next` in place). Null, or why not. */
  persist(route: string, next: RolloutState, all: ReadonlyMap<string, RolloutState>, at: number): Promise<string | null>;
  /** False while another process decides (a fleet follower, or a leader whose lease may have lapsed). */
  mayDecide(): boolean;
  /** Why steps must hold instead of advancing right now, or null. */
  holdReason(): string | null;
  /** Hands steering to the process that decides, when this one does not. */
  forward?(route: string, action: OperatorAction, weight: number | undefined): Promise<CommandResult>;
  attach?(hooks: RolloutStoreHooks): void;
  /** Keeps an unreadable record for inspection; returns where it went. */
  setAside?(): Promise<string | null>;
}

/** The single process: the state file, written atomically; this process always decides. */
export class StateFileStore implements RolloutStore {
  constructor(private readonly path: string, private readonly wallNow: () => number = Date.now) {}

  async load(): Promise<StateFileRead> {
    return readStateFile(this.path);
  }

  /** Keeps an unreadable file for inspection; returns where it went. */
  setAside(): Promise<string | null> {
    return setAsideStateFile(this.path, this.wallNow());
  }

  async persist(_route: string, _next: RolloutState, all: ReadonlyMap<string, RolloutState>, at: number): Promise<string | null> {
    try {
      await writeStateFile(this.path, all, at);
      return null;
    } catch (err) {
      return `cannot write the state file ${this.path}: ${(err as Error).message}; check the directory exists and is writable`;
    }
  }

  mayDecide(): boolean {
    return true;
  }

  holdReason(): string | null {
    return null;
  }
}
