/**
 * Runs the phase machine for every route: feeds it config changes, operator actions, gate
 * results and, on a 250 ms tick, the verdict of the current step; then carries out the effects
 * it returns. The only way it reads traffic is `RouteState.drainWindow()`; the only things it
 * writes to the data plane are `RouteState.weight` and `RouteState.phase`.
 * Per route, the analysis is fed in route-rollout.ts and the effects are carried out in effects.ts.
 *
 * Everything that changes rollout state runs on one serial queue, so the state file is written
 * in order and a transition is on disk before its weight is.
 */
import type { Registry } from 'prom-client';
import type { CutoverConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { RouteStates } from '../routing/route-state.js';
import { TransitionAnnouncer, type TransitionNotice } from './announce.js';
import { executeEffect, type EffectHost } from './effects.js';
import { runGates } from './gates.js';
import { registerRolloutMetrics } from './metrics.js';
import { rolloutPolicy } from './policy.js';
import { analyse, drain, newRouteRollout, reconfigure, type RouteRollout, type WindowSource } from './route-rollout.js';
import type { StateFileRead } from './state-file.js';
import { StateFileStore, type RolloutStore } from './store.js';
import { transition } from './transition.js';
import { rolloutFields, type RolloutFields } from './view.js';
import type { GatePurpose, OperatorAction, Refusal, RolloutEvent, RolloutState } from './types.js';

export type { TransitionNotice } from './announce.js';
export type { RouteRollout } from './route-rollout.js';

export const ROLLOUT_TICK_MS = 250;

export interface RolloutControllerDeps {
  states: RouteStates;
  /** Closes a version's WebSocket tunnels (src/proxy/websocket.ts). */
  closeTunnels(route: string, version: 'canary'): number;
  log: Logger;
  stateFile: string;
  /** Epoch ms, for what is persisted and shown. */
  wallNow?: () => number;
  /** Monotonic ms, for the analysis. */
  monoNow?: () => number;
  tickMs?: number;
  /** Where the rollout metrics are registered (the app's registry). */
  registry?: Registry;
  /** Where states are kept; the state file at `stateFile` unless given (a fleet passes its Redis store). */
  store?: RolloutStore;
  /** Where each route's traffic comes from; its own data plane unless given (a fleet sums every replica's). */
  windows?: WindowSource;
}

export type CommandResult = { ok: true } | { ok: false; refusal: Refusal } | { ok: false; unknownRoute: true } | { ok: false; notPersisted: string };

export class RolloutController {
  private readonly routes = new Map<string, RouteRollout>();
  private readonly announcer: TransitionAnnouncer;
  private readonly effects: EffectHost;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private tickQueued = false;
  private firstConfig = true;
  private stopped = false;
  private readonly wallNow: () => number;
  private readonly monoNow: () => number;
  private holding: string | null = null;
  /** Routes that applied a shared state at least once (a fleet follower). */
  private readonly adopted = new Set<string>();

  private constructor(private readonly deps: RolloutControllerDeps, private saved: StateFileRead, private readonly store: RolloutStore) {
    this.announcer = new TransitionAnnouncer(deps.log);
    this.wallNow = deps.wallNow ?? Date.now;
    this.monoNow = deps.monoNow ?? (() => performance.now());
    this.effects = {
      log: deps.log,
      monoNow: () => this.monoNow(),
      wallNow: () => this.wallNow(),
      closeTunnels: (route, version) => deps.closeTunnels(route, version),
      runGate: (r, purpose, run) => this.runGate(r, purpose, run),
      announce: (r, t) => this.announcer.announce(r, t),
    };
  }

  /** Reads the state file; call `onConfig` (via app.onConfig) next, then `ready()`. */
  static async create(deps: RolloutControllerDeps): Promise<RolloutController> {
    const store = (deps.store ?? new StateFileStore(deps.stateFile, deps.wallNow ?? Date.now)) as RolloutStore;
    const saved = await store.load();
    if (saved.problem !== null && store.setAside) {
      const aside = await store.setAside();
      deps.log.error({ stateFile: deps.stateFile, keptAs: aside }, `${saved.problem}. Rollouts start paused at 0% and stay there until \`cutover resume ROUTE\`${aside ? `; the old file was kept as ${aside}` : ''}`);
    }
    const controller = new RolloutController(deps, saved, store);
    store.attach?.({
      adopt: (route, state) => controller.adoptShared(route, state),
      takeOver: (states) => controller.takeOver(states),
      command: (route, action, weight) => controller.command(route, action, weight),
      states: () => new Map([...controller.routes].map(([name, r]) => [name, r.state])),
    });
    if (deps.registry) registerRolloutMetrics(deps.registry, controller);
    return controller;
  }

  /** Resolves once everything queued so far (the restore at start) has taken effect. */
  async ready(): Promise<void> {
    await this.chain;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? ROLLOUT_TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const r of this.routes.values()) {
      r.gate?.abort();
      r.checks?.stop();
    }
    this.announcer.close();
    await this.chain.catch(() => {});
  }

  /** The config listener: runs synchronously right after a new route table is live. */
  onConfig(config: CutoverConfig): void {
    const at = this.wallNow();
    const names = new Set(config.routes.map((r) => r.name));
    for (const [name, r] of this.routes) {
      if (names.has(name)) continue;
      r.gate?.abort();
      r.checks?.stop();
      this.routes.delete(name);
    }
    for (const rc of config.routes) {
      const policy = rolloutPolicy(rc);
      const routeState = this.deps.states.obtain(rc.name, policy.configWeight);
      let r = this.routes.get(rc.name);
      if (!r) {
        r = newRouteRollout(rc, routeState, policy, at, this.deps.windows);
        this.routes.set(rc.name, r);
        // Until the state file or the first step says otherwise, an automated canary gets nothing.
        if (policy.automated) routeState.weight = 0;
      } else {
        reconfigure(r, rc, routeState, policy);
      }
      const route = r;
      if (!this.store.mayDecide()) {
        // Another process decides: apply what it last wrote, or serve stable until it has written.
        const saved = this.firstConfig ? this.saved.routes.get(rc.name) : undefined;
        if (saved) this.adoptShared(rc.name, saved);
        continue;
      }
      const event: RolloutEvent = this.firstConfig
        ? { type: 'restore', at, saved: this.saved.routes.get(rc.name) ?? null, problem: this.saved.problem }
        : { type: 'config', at };
      void this.enqueue(() => this.dispatch(route, event));
    }
    this.firstConfig = false;
    this.saved = { routes: new Map(), problem: null };
  }

  /** An operator action through the admin API. */
  command(name: string, action: OperatorAction, weight?: number): Promise<CommandResult> {
    if (!this.store.mayDecide() && this.store.forward) {
      if (!this.routes.has(name)) return Promise.resolve({ ok: false, unknownRoute: true });
      return this.store.forward(name, action, weight);
    }
    return this.enqueue(async () => {
      const r = this.routes.get(name);
      if (!r) return { ok: false, unknownRoute: true } as const;
      const at = this.wallNow();
      const event: RolloutEvent = action === 'setWeight' ? { type: 'setWeight', at, weight: weight ?? Number.NaN } : { type: action, at };
      return this.dispatch(r, event);
    });
  }

  get(name: string): RouteRollout | undefined {
    return this.routes.get(name);
  }

  /** The rollout, history and live fields of a route's admin JSON. */
  fields(name: string): RolloutFields | undefined {
    const r = this.routes.get(name);
    return r ? rolloutFields(r, this.monoNow()) : undefined;
  }

  all(): IterableIterator<RouteRollout> {
    return this.routes.values();
  }

  now(): { wall: number; mono: number } {
    return { wall: this.wallNow(), mono: this.monoNow() };
  }

  /**
   * A state another process decided (the fleet leader), applied through the same RouteState path
   * as our own decisions; a follower runs no step analysis. A state about a canary this config does
   * not have is not applied: that canary gets nothing here until the configs agree.
   */
  adoptShared(name: string, state: RolloutState): void {
    const r = this.routes.get(name);
    if (!r || this.store.mayDecide()) return;
    const applicable = state.identity === r.policy.identity && state.automated === r.policy.automated;
    const next = applicable ? state : { ...r.state, weight: 0 };
    // Requests so far were drawn at the old weight: they belong to the old window.
    drain(r, this.monoNow());
    // The history a replica finds when it first adopts a route is the past, not news.
    const lastAt = r.state.history.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
    const fresh = applicable && this.adopted.has(name) ? next.history.filter((t) => t.at > lastAt) : [];
    this.adopted.add(name);
    r.state = next;
    r.step = null;
    // The leader runs the step's checks; a follower (or a deposed leader) queries nothing.
    r.checks?.stop();
    r.routeState.weight = next.weight;
    r.routeState.phase = next.phase;
    for (const t of fresh) this.announcer.announceLocally(r, t);
  }

  /**
   * This process now decides (it won the fleet lease): every route carries on from the shared
   * state, or from the one it holds when the store has none (a store restarted empty), through
   * the same `restore` transition a restart from the state file takes: same step, fresh evidence.
   */
  takeOver(saved: ReadonlyMap<string, RolloutState>): Promise<void> {
    return this.enqueue(async () => {
      const at = this.wallNow();
      for (const r of this.routes.values()) {
        const held = r.state.identity !== null || r.state.phase !== 'stable' ? r.state : null;
        await this.dispatch(r, { type: 'restore', at, saved: saved.get(r.name) ?? held, problem: null });
      }
    });
  }

  /** Every transition, after it took effect (SSE, metrics). Returns the unsubscribe function. */
  onTransition(listener: (t: TransitionNotice) => void): () => void {
    return this.announcer.listen(listener);
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch((err: unknown) => this.deps.log.error({ err }, 'rollout controller step failed'));
    return run;
  }

  private tick(): void {
    if (this.tickQueued || this.stopped) return;
    this.tickQueued = true;
    void this.enqueue(async () => {
      this.tickQueued = false;
      const deciding = this.store.mayDecide();
      const hold = deciding ? this.store.holdReason() : null;
      if (hold !== this.holding) {
        if (hold !== null) this.deps.log.warn({ reason: hold }, `rollouts hold (no step advances): ${hold}`);
        else if (this.holding !== null) this.deps.log.info('rollouts may advance again');
        this.holding = hold;
      }
      for (const r of this.routes.values()) {
        const verdict = analyse(r, this.monoNow, this.wallNow);
        if (!verdict || !deciding) continue;
        // A revert is always safe; passing a step while the fleet disagrees is not.
        if (hold !== null && verdict.type === 'verdict' && verdict.outcome === 'pass') continue;
        await this.dispatch(r, verdict);
      }
    });
  }

  private async dispatch(r: RouteRollout, event: RolloutEvent): Promise<CommandResult> {
    if (this.routes.get(r.name) !== r) return { ok: false, unknownRoute: true };
    if (!this.store.mayDecide()) return { ok: false, notPersisted: 'this replica no longer holds the fleet lease, so it does not decide' };
    const { next, effects, refusal } = transition(r.state, event, r.policy);
    if (refusal) return { ok: false, refusal };
    if (!effects.some((e) => e.type === 'persist')) this.adopt(r, next);
    for (const effect of effects) {
      if (effect.type === 'persist') {
        const failure = await this.persist(r, next);
        // Lowering the canary's share is always safe; anything else waits until it is on disk.
        if (failure !== null && next.weight > r.routeState.weight) return { ok: false, notPersisted: failure };
        this.adopt(r, next);
        continue;
      }
      executeEffect(this.effects, r, effect);
    }
    return { ok: true };
  }

  private adopt(r: RouteRollout, next: RolloutState): void {
    r.state = next;
    r.routeState.phase = next.phase;
  }

  private async persist(r: RouteRollout, next: RolloutState): Promise<string | null> {
    const all = new Map<string, RolloutState>();
    for (const [name, other] of this.routes) all.set(name, other === r ? next : other.state);
    const failure = await this.store.persist(r.name, next, all, this.wallNow());
    if (failure !== null) this.deps.log.error({ route: r.name }, failure);
    return failure;
  }

  private runGate(r: RouteRollout, purpose: GatePurpose, run: number): void {
    r.gate?.abort();
    const ac = new AbortController();
    r.gate = ac;
    const gates = (purpose === 'afterPromotion' ? r.config.rollout?.afterPromotion : r.config.rollout?.gates) ?? [];
    void runGates(gates, ac.signal).then((outcome) => {
      if (ac.signal.aborted || this.stopped) return;
      if (r.gate === ac) r.gate = null;
      void this.enqueue(() => this.dispatch(r, { type: 'gateResult', at: this.wallNow(), run, purpose, passed: outcome.passed, reason: outcome.reason }));
    });
  }
}
