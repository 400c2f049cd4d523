/**
 * Runs the phase machine for every route: feeds it config changes, operator actions, gate
 * results and, on a 250 ms tick, the verdict of the current step; then carries out the effects
 * it returns. The only way it reads traffic is `RouteState.drainWindow()`; the only things it
 * writes to the data plane are `RouteState.weight` and `RouteState.phase`.
 *
 * Everything that changes rollout state runs on one serial queue, so the state file is written
 * in order and a transition is on disk before its weight is.
 */
import { StableBaseline, StepAnalysis, type AnalysisPolicy, type StepVerdict } from '../analysis/index.js';
import type { Registry } from 'prom-client';
import type { CutoverConfig, RouteConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { RouteState, RouteStates } from '../routing/route-state.js';
import { runGates } from './gates.js';
import { LiveStats } from './live.js';
import { registerRolloutMetrics } from './metrics.js';
import { Notifier } from './notify.js';
import { analysisPolicy, rolloutPolicy } from './policy.js';
import { readStateFile, setAsideStateFile, writeStateFile, type StateFileRead } from './state-file.js';
import { initialRolloutState, transition } from './transition.js';
import { rolloutFields, type RolloutFields } from './view.js';
import type { GatePurpose, OperatorAction, Refusal, RolloutEffect, RolloutEvent, RolloutPolicy, RolloutState, TransitionRecord } from './types.js';

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
}

export interface RouteRollout {
  readonly name: string;
  routeState: RouteState;
  config: RouteConfig;
  policy: RolloutPolicy;
  analysis: AnalysisPolicy | null;
  state: RolloutState;
  readonly baseline: StableBaseline;
  step: StepAnalysis | null;
  /** The latest verdict of the current (or, after it ended, the last) step. */
  verdict: StepVerdict | null;
  readonly live: LiveStats;
  gate: AbortController | null;
}

export type TransitionNotice = TransitionRecord & { route: string };
export type CommandResult = { ok: true } | { ok: false; refusal: Refusal } | { ok: false; unknownRoute: true } | { ok: false; notPersisted: string };

export class RolloutController {
  private readonly routes = new Map<string, RouteRollout>();
  private readonly notifier: Notifier;
  private readonly listeners = new Set<(t: TransitionNotice) => void>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private tickQueued = false;
  private firstConfig = true;
  private stopped = false;
  private readonly wallNow: () => number;
  private readonly monoNow: () => number;

  private constructor(private readonly deps: RolloutControllerDeps, private saved: StateFileRead) {
    this.notifier = new Notifier(deps.log);
    this.wallNow = deps.wallNow ?? Date.now;
    this.monoNow = deps.monoNow ?? (() => performance.now());
  }

  /** Reads the state file; call `onConfig` (via app.onConfig) next, then `ready()`. */
  static async create(deps: RolloutControllerDeps): Promise<RolloutController> {
    const saved = await readStateFile(deps.stateFile);
    if (saved.problem !== null) {
      const aside = await setAsideStateFile(deps.stateFile, (deps.wallNow ?? Date.now)());
      deps.log.error({ stateFile: deps.stateFile, keptAs: aside }, `${saved.problem}. Rollouts start paused at 0% and stay there until \`cutover resume ROUTE\`${aside ? `; the old file was kept as ${aside}` : ''}`);
    }
    const controller = new RolloutController(deps, saved);
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
    for (const r of this.routes.values()) r.gate?.abort();
    this.notifier.close();
    await this.chain.catch(() => {});
  }

  /** The config listener: runs synchronously right after a new route table is live. */
  onConfig(config: CutoverConfig): void {
    const at = this.wallNow();
    const names = new Set(config.routes.map((r) => r.name));
    for (const [name, r] of this.routes) {
      if (names.has(name)) continue;
      r.gate?.abort();
      this.routes.delete(name);
    }
    for (const rc of config.routes) {
      const policy = rolloutPolicy(rc);
      const routeState = this.deps.states.obtain(rc.name, policy.configWeight);
      let r = this.routes.get(rc.name);
      if (!r) {
        r = {
          name: rc.name, routeState, config: rc, policy, analysis: analysisPolicy(rc), state: initialRolloutState(at),
          baseline: new StableBaseline(), step: null, verdict: null, live: new LiveStats(), gate: null,
        };
        this.routes.set(rc.name, r);
        // Until the state file or the first step says otherwise, an automated canary gets nothing.
        if (policy.automated) routeState.weight = 0;
      } else {
        r.routeState = routeState;
        r.config = rc;
        r.policy = policy;
        r.analysis = analysisPolicy(rc);
        // A new canary must not inherit the old one's share, not even while the transition is persisted.
        if (policy.identity !== r.state.identity && (policy.automated || policy.identity === null)) {
          routeState.weight = 0;
          r.step = null;
        } else if (!policy.automated && (r.state.automated || r.state.identity !== policy.identity || r.state.configWeight !== policy.configWeight)) {
          // A static weight lives in the config file, which is already its durable record: apply it
          // with the table swap, as reload() promises; the transition that follows records it.
          routeState.weight = policy.configWeight;
        }
      }
      const route = r;
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

  /** Every transition, after it took effect (SSE, metrics). Returns the unsubscribe function. */
  onTransition(listener: (t: TransitionNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
      for (const r of this.routes.values()) {
        this.drain(r);
        if (!r.step || r.state.phase !== 'progressing') continue;
        r.verdict = r.step.verdict(this.monoNow());
        const { outcome, reason } = r.verdict;
        if (outcome === 'pass' || outcome === 'fail') await this.dispatch(r, { type: 'verdict', at: this.wallNow(), outcome, reason });
      }
    });
  }

  /** Hands the data plane's window to the baseline, the current step and the live view. */
  private drain(r: RouteRollout): void {
    const window = r.routeState.drainWindow();
    const now = this.monoNow();
    r.baseline.ingest(window, now);
    r.step?.ingest(window, now, r.baseline);
    r.live.add(window, now);
  }

  private async dispatch(r: RouteRollout, event: RolloutEvent): Promise<CommandResult> {
    if (this.routes.get(r.name) !== r) return { ok: false, unknownRoute: true };
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
      this.execute(r, effect);
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
    try {
      await writeStateFile(this.deps.stateFile, all, this.wallNow());
      return null;
    } catch (err) {
      const message = `cannot write the state file ${this.deps.stateFile}: ${(err as Error).message}; check the directory exists and is writable`;
      this.deps.log.error({ route: r.name }, message);
      return message;
    }
  }

  private execute(r: RouteRollout, effect: Exclude<RolloutEffect, { type: 'persist' }>): void {
    switch (effect.type) {
      case 'setWeight':
        // Requests so far were drawn at the old weight: they belong to the old step.
        this.drain(r);
        r.routeState.weight = effect.weight;
        return;
      case 'startStep':
        r.step = this.startAnalysis(r, effect.weight);
        r.verdict = r.step ? r.step.verdict(this.monoNow()) : null;
        return;
      case 'stopStep':
        r.step = null;
        return;
      case 'runGate':
        this.runGate(r, effect.purpose, effect.run);
        return;
      case 'cancelGate':
        r.gate?.abort();
        r.gate = null;
        return;
      case 'closeCanaryTunnels':
        this.deps.closeTunnels(r.name, 'canary');
        return;
      case 'notify':
        this.announce(r, effect.transition);
        return;
      case 'log':
        this.deps.log[effect.level]({ route: r.name, phase: r.state.phase, step: r.state.step, weight: r.state.weight }, effect.message);
        return;
      default:
        assertNever(effect);
    }
  }

  private startAnalysis(r: RouteRollout, weight: number): StepAnalysis | null {
    if (!r.analysis || weight <= 0 || weight >= 100) return null;
    try {
      return StepAnalysis.start(weight, this.monoNow(), r.analysis);
    } catch (err) {
      // The step holds (never advances) rather than taking the whole controller down.
      this.deps.log.error({ route: r.name, code: (err as { code?: string }).code }, `cannot analyse this step, holding it: ${(err as Error).message}; fix the route's rollout block`);
      return null;
    }
  }

  private runGate(r: RouteRollout, purpose: GatePurpose, run: number): void {
    r.gate?.abort();
    const ac = new AbortController();
    r.gate = ac;
    const gates = r.config.rollout?.gates ?? [];
    void runGates(gates, ac.signal).then((outcome) => {
      if (ac.signal.aborted || this.stopped) return;
      if (r.gate === ac) r.gate = null;
      void this.enqueue(() => this.dispatch(r, { type: 'gateResult', at: this.wallNow(), run, purpose, passed: outcome.passed, reason: outcome.reason }));
    });
  }

  private announce(r: RouteRollout, t: TransitionRecord): void {
    const notice: TransitionNotice = { route: r.name, ...t };
    for (const listener of this.listeners) {
      try {
        listener(notice);
      } catch (err) {
        this.deps.log.error({ err, route: r.name }, 'transition listener failed');
      }
    }
    this.notifier.send(r.config.rollout?.notify ?? [], {
      type: 'transition', route: r.name, from: t.from, to: t.to, weight: t.weight, step: t.step, steps: [...r.policy.steps],
      revision: r.state.revision, reason: t.reason, at: new Date(t.at).toISOString(),
    });
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled rollout effect: ${JSON.stringify(x)}`);
}
