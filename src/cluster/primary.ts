import cluster, { type Worker } from 'node:cluster';
import { CutoverApp } from '../app.js';
import { ShadowWindow } from '../analysis/shadow-window.js';
import { TrafficWindow } from '../analysis/window.js';
import { exitAfterFlush, type Logger } from '../log.js';
import { ClusterMetrics } from './metrics-merge.js';
import { processStickySecret } from '../routing/sticky.js';
import { STICKY_KEY_ENV, STATE_POLL_INTERVAL_MS, STATE_RESYNC_INTERVAL_MS, isWorkerMessage, type PrimaryMessage, type RouteStateSync, type WorkerMessage } from './messages.js';

/** A worker that dies younger than this counts as a crash loop and is restarted with back-off. */
const STABLE_UPTIME_MS = 5_000;
const MAX_RESTART_DELAY_MS = 10_000;
/** On top of the drain timeout, before a worker that has not exited is killed. */
const STOP_GRACE_MS = 5_000;

/**
 * The cluster primary (`workers: N`): owns the config, the admin API, the controller and
 * the state file; forks N data-plane workers on the shared listening socket, merges what
 * they report into its RouteStates (so the controller sees the sum), pushes weights to
 * them, and replaces a worker that dies. The listening socket lives in this process, so a
 * worker crash never closes it.
 */
export class ClusterPrimary {
  private readonly metrics = new ClusterMetrics();
  private readonly startedAt = new Map<number, number>();
  private readonly lastSent = new Map<string, string>();
  private lastResync = 0;
  private crashes = 0;
  private stopping = false;
  private announced = false;
  private poll: NodeJS.Timeout | undefined;

  /** Workers that reported listening and have not exited: /readyz is false while there is none. */
  private readonly serving = new Set<number>();

  private constructor(private readonly app: CutoverApp, private readonly log: Logger, private readonly count: number) {
    app.readinessChecks.push(() => (this.serving.size === 0 ? ['no data-plane worker is serving (a replacement is starting)'] : []));
  }

  static async start(configFile: string, log: Logger, count: number, logLevelFromConfig = false): Promise<ClusterPrimary> {
    let primary: ClusterPrimary | null = null;
    const app = await CutoverApp.start({
      configFile, logger: log, role: 'primary', logLevelFromConfig,
      metricsText: async () => primary!.metrics.text(await app.metrics.registry.getMetricsAsJSON(), app.metrics.registry.contentType),
    });
    primary = new ClusterPrimary(app, log, count);
    primary.begin();
    return primary;
  }

  private begin(): void {
    // Workers rerun this very command; the variable is what tells them apart.
    cluster.setupPrimary({ exec: process.argv[1], args: process.argv.slice(2) });
    cluster.on('message', (worker, m: unknown) => {
      if (isWorkerMessage(m)) this.onMessage(worker, m);
    });
    cluster.on('exit', (worker, code, signal) => void this.onExit(worker, code, signal));
    let first = true;
    this.app.onConfig(() => {
      // onConfig calls back at once with the live config; only later calls are reloads.
      if (first) {
        first = false;
        return;
      }
      this.broadcast({ cutover: 'reload', reason: 'primary reloaded' });
      this.pushState(true);
    });
    this.poll = setInterval(() => this.pushState(false), STATE_POLL_INTERVAL_MS);
    for (let i = 0; i < this.count; i++) this.fork();
  }

  private fork(): void {
    // One sticky key for every worker, so a client keeps its version whichever worker it reaches.
    const worker = cluster.fork({ CUTOVER_WORKER: '1', [STICKY_KEY_ENV]: processStickySecret().toString('hex') });
    this.startedAt.set(worker.id, Date.now());
  }

  private onMessage(worker: Worker, m: WorkerMessage): void {
    switch (m.cutover) {
      case 'listening':
        this.serving.add(worker.id);
        this.log.info({ worker: worker.id, pid: worker.process.pid }, 'worker serving');
        this.send(worker, { cutover: 'state', routes: this.routeStates() });
        if (!this.announced) {
          this.announced = true;
          this.app.dataPlaneListening(m.address);
          this.log.info({ listen: m.address, admin: this.app.adminAddress, workers: this.count }, 'cutover started (workers)');
        }
        return;
      case 'listen-failed':
        this.log.fatal({ code: m.code }, `a worker cannot listen on ${this.app.config.listen}: ${m.message}`);
        void this.stop(1);
        return;
      case 'report':
        for (const [name, data] of Object.entries(m.windows)) {
          const state = this.app.states.get(name);
          try {
            if (state) state.window.addFrom(TrafficWindow.fromJSON(data));
          } catch (err) {
            this.log.warn({ worker: worker.id, route: name, err }, 'ignored a malformed window from a worker');
          }
        }
        for (const [name, s] of Object.entries(m.shadow ?? {})) {
          const state = this.app.states.get(name);
          try {
            if (state?.shadowWindow) state.shadowWindow.addFrom(ShadowWindow.fromJSON(s.window));
            if (state) for (const e of s.examples) state.addShadowExample(e);
          } catch (err) {
            this.log.warn({ worker: worker.id, route: name, err }, 'ignored a malformed shadow window from a worker');
          }
        }
        for (const c of m.counts) {
          const route = this.app.proxy.routeTable.byName(c.route);
          const target = c.version === 'canary' ? route?.canary : route?.stable;
          if (!target) continue;
          target.recorder.requests += c.requests;
          target.recorder.failures += c.failures;
        }
        this.metrics.update(worker.id, m.metrics, m.process);
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  private async onExit(worker: Worker, code: number | null, signal: string | null): Promise<void> {
    const started = this.startedAt.get(worker.id) ?? 0;
    this.startedAt.delete(worker.id);
    this.serving.delete(worker.id);
    await this.metrics.retire(worker.id);
    if (this.stopping) return;
    const young = Date.now() - started < STABLE_UPTIME_MS;
    this.crashes = young ? this.crashes + 1 : 0;
    const delay = young ? Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** (this.crashes - 1)) : 0;
    this.log.error({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited; replacing it');
    setTimeout(() => { if (!this.stopping) this.fork(); }, delay).unref();
  }

  private routeStates(): RouteStateSync[] {
    return [...this.app.states.values()].map((s) => ({ name: s.name, weight: s.weight, phase: s.phase, shadowShare: s.shadowShare }));
  }

  /** Pushes weights and phases when one changed since the last push, and every second regardless. */
  private pushState(force: boolean): void {
    const now = Date.now();
    let changed = force || now - this.lastResync >= STATE_RESYNC_INTERVAL_MS;
    for (const s of this.app.states.values()) {
      const sig = `${s.weight}/${s.phase}/${s.shadowShare}`;
      if (this.lastSent.get(s.name) !== sig) {
        this.lastSent.set(s.name, sig);
        changed = true;
      }
    }
    if (!changed) return;
    this.lastResync = now;
    this.broadcast({ cutover: 'state', routes: this.routeStates() });
  }

  private broadcast(m: PrimaryMessage): void {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker) this.send(worker, m);
  }

  private send(worker: Worker, m: PrimaryMessage): void {
    if (worker.isConnected()) worker.send(m, undefined, () => {});
  }

  reload(reason: string): void {
    void this.app.reload(reason);
  }

  /** SIGTERM: every worker drains (bounded by drainTimeout), then the admin API and the primary stop. */
  async stop(exitCode = 0): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      clearInterval(this.poll);
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      const exited = Promise.all(workers.map((w) => (w.isDead() ? null : new Promise((resolve) => w.once('exit', resolve)))));
      this.broadcast({ cutover: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.app.config.drainTimeout + STOP_GRACE_MS); });
      await Promise.race([exited, deadline]);
      clearTimeout(timer);
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      await this.app.stop();
    }
    exitAfterFlush(this.log, exitCode);
  }
}
