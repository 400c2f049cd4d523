/**
 * One replica's membership of a fleet: the RolloutStore and WindowSource the controller talks to
 * in fleet mode. It is not a second controller: the leader's controller decides as a single
 * process would, on the fleet's summed windows; every write is a fenced compare-and-set; a
 * follower's controller applies what the leader wrote. Nothing here runs per request: windows go
 * out every half second, whatever the request rate.
 */
import { performance } from 'node:perf_hooks';
import type { TrafficWindow } from '../analysis/window.js';
import type { CutoverConfig, FleetConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { CommandResult } from '../rollout/controller.js';
import type { WindowSource } from '../rollout/route-rollout.js';
import type { StateFileRead } from '../rollout/state-file.js';
import type { RolloutStore, RolloutStoreHooks } from '../rollout/store.js';
import type { OperatorAction, RolloutState } from '../rollout/types.js';
import type { RouteStates } from '../routing/route-state.js';
import { configDisagreement, FORGET_REPLICA_AFTER_MS, liveWindowMs, parseHeartbeats, routeConfigHash, type Heartbeat } from './heartbeat.js';
import { fleetKeys } from './keys.js';
import { SlotReader, SLOT_MS } from './slot-reader.js';
import { StoreHealth } from './store-health.js';
import { decodeStoredState, encodeStoredState } from './stored-state.js';
import { LeaderLease } from './lease.js';
import { FleetRedis, redactRedisUrl } from './redis-store.js';
import { forwardCommand, serveCommands } from './steering.js';
import { WindowLedger } from './window-ledger.js';

/** How long `start` waits for Redis before serving without it. */
export const FLEET_START_TIMEOUT_MS = 1_000;
/** After pushing, the other replicas (on the same wall-clock boundary) have pushed too by then. */
const READ_AFTER_PUSH_MS = 120;

export interface FleetReplicaOptions {
  fleet: FleetConfig;
  config: CutoverConfig;
  log: Logger;
  /** The data plane's weights, reported in heartbeats. */
  states: RouteStates;
  wallNow?: () => number;
  monoNow?: () => number;
}


export class FleetReplica implements RolloutStore, WindowSource {
  readonly id: string;
  readonly url: string;
  readonly lease: LeaderLease;
  private readonly redis: FleetRedis;
  private readonly ledger = new WindowLedger();
  private readonly log: Logger;
  private readonly wallNow: () => number;
  private readonly monoNow: () => number;
  private hooks: RolloutStoreHooks | null = null;
  private saved = new Map<string, RolloutState>();
  private readonly applied = new Map<string, string>();
  private configHash: string;
  replicas: Heartbeat[] = [];
  private readonly health: StoreHealth;
  private readonly slots: SlotReader;
  requestsPerSecond = 0;
  private requestsThisSecond = 0;
  private halfTimer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private busy = { renew: false, tick: false, serve: false, refresh: false };

  private constructor(private readonly options: FleetReplicaOptions) {
    this.id = options.fleet.replica;
    this.url = redactRedisUrl(options.fleet.redis);
    this.log = options.log.child({ fleet: options.fleet.name, replica: this.id });
    this.wallNow = options.wallNow ?? Date.now;
    this.monoNow = options.monoNow ?? (() => performance.now());
    this.lease = new LeaderLease(this.id, options.fleet.leaseTtl);
    this.redis = new FleetRedis(options.fleet.redis, fleetKeys(options.fleet.name));
    this.configHash = routeConfigHash(options.config);
    this.health = new StoreHealth(this.log, this.url);
    this.slots = new SlotReader(this.redis, this.ledger, this.log);
  }

  get storeUp(): boolean {
    return this.health.up;
  }

  get lastError(): string | null {
    return this.health.lastError;
  }

  /** Connects (bounded), tries for the lease once and reads the shared states; never throws on a dead Redis. */
  static async start(options: FleetReplicaOptions): Promise<FleetReplica> {
    const replica = new FleetReplica(options);
    await replica.begin();
    return replica;
  }

  private async begin(): Promise<void> {
    // ioredis emits 'error' on every failed reconnect: StoreHealth logs the change once.
    this.redis.client.on('error', (err: Error) => this.health.markDown(err));
    this.redis.subscriber.on('error', () => {});
    this.redis.subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    void this.redis.subscriber.subscribe(this.redis.keys.channel).catch(() => {});
    const up = await this.redis.connect(Math.min(FLEET_START_TIMEOUT_MS, this.options.fleet.leaseTtl));
    if (up) {
      await this.renew();
      await this.refreshStates();
    }
    if (!this.health.sharedKnown) this.health.startedBlind();
    this.leaseTimer = setInterval(() => void this.renew(), this.lease.renewEveryMs);
    this.leaseTimer.unref();
    this.scheduleHalf();
  }

  // ---- RolloutStore ----

  async load(): Promise<StateFileRead> {
    return { routes: new Map(this.saved), problem: null };
  }

  attach(hooks: RolloutStoreHooks): void {
    this.hooks = hooks;
  }

  mayDecide(): boolean {
    return this.lease.held(this.monoNow());
  }

  holdReason(): string | null {
    if (!this.storeUp) return `the fleet store ${this.url} is unreachable`;
    return configDisagreement(this.replicas, this.configHash, this.wallNow(), liveWindowMs(this.options.fleet.leaseTtl));
  }

  async persist(route: string, next: RolloutState): Promise<string | null> {
    if (!this.mayDecide()) return 'this replica no longer holds the fleet lease, so its decision was not written';
    return this.writeState(route, next);
  }

  forward(route: string, action: OperatorAction, weight: number | undefined): Promise<CommandResult> {
    return forwardCommand(this.redis, this.id, route, action, weight, this.monoNow).then(async (result) => {
      // The answer shows the route as the leader left it, not as this replica last polled it.
      if (result.ok) await this.refreshStates();
      return result;
    });
  }

  // ---- WindowSource ----

  take(route: string, local: TrafficWindow, weight: number): TrafficWindow {
    this.ledger.addLocal(route, weight, local);
    return this.ledger.takeFleet(route, weight);
  }

  /** A reload: the new route config's hash; every shared state is applied again against it. */
  onConfig(config: CutoverConfig): void {
    this.configHash = routeConfigHash(config);
    this.applied.clear();
  }

  /** What /readyz adds: the fleet never makes a replica unready, but it says what it is doing. */
  notes(): string[] {
    return this.health.notes();
  }

  get hash(): string {
    return this.configHash;
  }

  /** The lease holder as last answered by the store. */
  get leaderId(): string | null {
    return this.lease.holder;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.halfTimer) clearTimeout(this.halfTimer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    // A graceful stop hands the lease on at once instead of after its TTL.
    if (this.lease.fence > 0 && this.storeUp) await this.redis.release(this.lease.token()).catch(() => 0);
    await this.redis.close();
  }

  // ---- the lease ----

  private async renew(): Promise<void> {
    if (this.busy.renew || this.stopped) return;
    this.busy.renew = true;
    const sentAt = this.monoNow();
    try {
      const [granted, fence, holder] = await this.redis.lease(this.id, this.options.fleet.leaseTtl, this.lease.highestFence);
      this.health.markUp();
      if (granted === 1) {
        if (this.lease.granted(sentAt, fence, this.monoNow()) === 'acquired') {
          this.log.info({ fence }, 'this replica is the fleet leader');
          this.applied.clear();
          if (this.hooks) void this.takeOver();
        }
      } else {
        const was = this.lease.fence > 0;
        this.lease.denied(holder, fence);
        if (was) this.log.warn({ leader: holder }, 'another replica holds the fleet lease; following it');
        if (was) this.applied.clear();
      }
    } catch (err) {
      this.health.markDown(err as Error);
    } finally {
      this.busy.renew = false;
    }
  }

  /** Carry on from the shared state, then write back what we hold: a store restarted empty gets it again. */
  private async takeOver(): Promise<void> {
    const hooks = this.hooks!;
    try {
      const saved = this.parseStates(await this.redis.readStates());
      await hooks.takeOver(saved);
      for (const [route, state] of hooks.states()) {
        if (!this.mayDecide()) return;
        const failure = await this.writeState(route, state);
        if (failure !== null) this.log.warn({ route }, failure);
      }
    } catch (err) {
      this.health.markDown(err as Error);
    }
  }

  private async writeState(route: string, state: RolloutState): Promise<string | null> {
    try {
      if (await this.redis.casState(this.lease.token(), route, encodeStoredState(this.lease.fence, state))) return null;
    } catch (err) {
      this.health.markDown(err as Error);
      return `the fleet store ${this.url} is unreachable (${(err as Error).message}); the decision holds on this replica only until it is back`;
    }
    this.lease.lost();
    this.applied.clear();
    return 'another replica holds the fleet lease now (the fencing check refused this write); it decides from here';
  }

  // ---- every half second: the window slot; once a second also heartbeat, replicas, states ----

  private scheduleHalf(): void {
    if (this.stopped) return;
    // Aligned to the wall clock, so every replica's slot covers about the same half second.
    const delay = SLOT_MS - (this.wallNow() % SLOT_MS) + 20;
    this.halfTimer = setTimeout(() => {
      const now = this.wallNow();
      void this.tick(now).then(() => {
        const read = setTimeout(() => void this.readSlots(this.wallNow()), READ_AFTER_PUSH_MS);
        read.unref();
      });
      this.scheduleHalf();
    }, delay);
    this.halfTimer.unref();
  }

  private async tick(now: number): Promise<void> {
    if (this.busy.tick) return;
    this.busy.tick = true;
    const slot = Math.floor(now / SLOT_MS) - 1;
    const local = this.ledger.takeLocalSlot();
    this.requestsThisSecond += local.requests;
    const wholeSecond = now % 1_000 < SLOT_MS;
    let heartbeat: string | null = null;
    if (wholeSecond) {
      this.requestsPerSecond = this.requestsThisSecond;
      this.requestsThisSecond = 0;
      const weights: Record<string, number> = {};
      for (const s of this.options.states.values()) weights[s.name] = s.weight;
      heartbeat = JSON.stringify({ leader: this.mayDecide(), at: now, configHash: this.configHash, weights, requestsPerSecond: this.requestsPerSecond });
    }
    try {
      const reply = await this.redis.tick(this.id, slot, JSON.stringify(local.slot), heartbeat);
      this.health.markUp();
      if (reply === null) return;
      this.replicas = parseHeartbeats(reply.replicas);
      if (!this.mayDecide()) {
        this.applyStates(reply.states);
        return;
      }
      const gone = this.replicas.filter((h) => now - h.at > FORGET_REPLICA_AFTER_MS).map((h) => h.id);
      if (gone.length > 0) await this.redis.forgetReplicas(gone);
      await this.serve();
    } catch (err) {
      this.health.markDown(err as Error);
    } finally {
      this.busy.tick = false;
    }
  }

  private async readSlots(now: number): Promise<void> {
    if (!this.storeUp) return;
    try {
      await this.slots.read(now, this.replicas, liveWindowMs(this.options.fleet.leaseTtl));
    } catch (err) {
      this.health.markDown(err as Error);
    }
  }


  // ---- followers apply; the leader serves steering ----

  private onMessage(message: string): void {
    if (message === 'state' && !this.mayDecide()) void this.refreshStates();
    else if (message === 'command' && this.mayDecide()) void this.serve();
  }

  private async refreshStates(): Promise<void> {
    if (this.busy.refresh) return;
    this.busy.refresh = true;
    try {
      const raw = await this.redis.readStates();
      this.health.markUp();
      this.applyStates(raw);
    } catch (err) {
      this.health.markDown(err as Error);
    } finally {
      this.busy.refresh = false;
    }
  }

  private applyStates(raw: Record<string, string>): void {
    this.health.sharedKnown = true;
    if (this.mayDecide()) return;
    for (const [route, json] of Object.entries(raw)) {
      if (this.applied.get(route) === json) continue;
      const state = this.parseState(route, json);
      if (!state) continue;
      this.applied.set(route, json);
      if (this.hooks) this.hooks.adopt(route, state);
      else this.saved.set(route, state);
    }
  }

  private async serve(): Promise<void> {
    if (this.busy.serve || !this.hooks) return;
    this.busy.serve = true;
    try {
      await serveCommands(this.redis, this.hooks);
    } catch (err) {
      this.health.markDown(err as Error);
    } finally {
      this.busy.serve = false;
    }
  }

  private parseStates(raw: Record<string, string>): Map<string, RolloutState> {
    const out = new Map<string, RolloutState>();
    for (const [route, json] of Object.entries(raw)) {
      const state = this.parseState(route, json);
      if (state) out.set(route, state);
    }
    return out;
  }

  private parseState(route: string, json: string): RolloutState | null {
    const stored = decodeStoredState(json);
    if (stored) {
      this.lease.highestFence = Math.max(this.lease.highestFence, stored.fence);
      return stored.state;
    }
    this.log.warn({ route }, 'ignored a shared rollout state this build cannot read (a replica on another version?)');
    return null;
  }
}
