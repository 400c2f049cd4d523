/**
 * Whether the fleet store answers, and the one log line per change that says so. ioredis reports
 * every failed call and reconnect; an operator needs to hear once that the store is gone and once
 * that it is back, never once per call.
 */
import type { Logger } from '../log.js';

export class StoreHealth {
  up = false;
  lastError: string | null = null;
  /** Set once the shared states were read: until then a replica that started blind serves stable. */
  sharedKnown = false;
  private downLogged = false;

  constructor(private readonly log: Logger, private readonly url: string) {}

  /** At start, when the store could not be read: the one line that says what this replica does instead. */
  startedBlind(): void {
    this.log.error({ store: this.url, err: this.lastError }, 'cannot reach the fleet store at start: serving stable (weight 0) on rollout routes until it is reached; check fleet.redis');
    this.downLogged = true;
  }

  markUp(): void {
    if (this.up) return;
    this.up = true;
    this.lastError = null;
    if (this.downLogged) this.log.info({ store: this.url }, 'fleet store reachable again');
    this.downLogged = false;
  }

  markDown(err: Error): void {
    this.lastError = err.message;
    if (!this.up && this.downLogged) return;
    const wasUp = this.up;
    this.up = false;
    // Before the first read the start-up line speaks for it.
    if (!wasUp && !this.sharedKnown) return;
    this.downLogged = true;
    this.log.error({ store: this.url, err: err.message }, 'fleet store unreachable: serving at the last known weights (fail static), rollouts hold; reconnecting on its own');
  }

  /** What /readyz adds: the fleet never makes a replica unready, but it says what it is doing. */
  notes(): string[] {
    if (!this.sharedKnown) return [`fleet store ${this.url} unreachable since start: serving stable (weight 0) on rollout routes until it is reached`];
    if (!this.up) return [`fleet store ${this.url} unreachable: serving at the last known weights (fail static); rollouts hold`];
    return [];
  }
}
