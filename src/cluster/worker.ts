import { CutoverApp } from '../app.js';
import type { SerializedTrafficWindow } from '../analysis/window-codec.js';
import { exitAfterFlush, type Logger } from '../log.js';
import { ShadowWindow } from '../analysis/shadow-window.js';
import { DEFAULT_SHADOW } from '../config/defaults.js';
import type { VersionRecorder } from '../metrics/recorder.js';
import { useProcessStickySecret } from '../routing/sticky.js';
import { STICKY_KEY_ENV, PROCESS_METRICS_EVERY, REPORT_INTERVAL_MS, isPrimaryMessage, type CountDelta, type MetricSnapshot, type PrimaryMessage, type RouteStateSync, type WorkerMessage } from './messages.js';

/** Metrics the primary owns (it runs the controller and the config); a worker's copies would be summed wrongly. */
const PRIMARY_OWNED = /^cutover_(canary_weight|rollout_|config_reloads_total)/;

/**
 * A data-plane worker: serves on the listening socket the primary shares, takes
 * weights and reloads from the primary, and reports what it served every 250 ms.
 * It never writes the state file and runs no controller.
 */
export async function runWorker(configFile: string, log: Logger, logLevelFromConfig = false): Promise<void> {
  const key = process.env[STICKY_KEY_ENV];
  if (key) useProcessStickySecret(Buffer.from(key, 'hex'));
  let app: CutoverApp;
  try {
    app = await CutoverApp.start({ configFile, logger: log, role: 'worker', watch: false, logLevelFromConfig });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    send({ cutover: 'listen-failed', code: e.code ?? 'ERROR', message: e.message });
    process.exit(1);
  }
  const reporter = new WorkerReporter(app);
  const timer = setInterval(() => void reporter.report().then(send, (err: unknown) => log.warn({ err }, 'worker report failed')), REPORT_INTERVAL_MS);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    await app.stop();
    // The last requests' window and counts, so a drained worker loses nothing from the analysis.
    const last = await reporter.report().catch(() => null);
    if (last && process.connected) await new Promise<void>((resolve) => process.send!(last, undefined, undefined, () => resolve()));
    exitAfterFlush(log, 0);
  };
  process.on('message', (m: unknown) => {
    if (!isPrimaryMessage(m)) return;
    handle(app, m, log, stop);
  });
  // A signal to the whole process group (Ctrl-C, systemd) drains this worker as well.
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // The primary reloads on SIGHUP and tells every worker; a group-wide SIGHUP must not reload twice.
  process.on('SIGHUP', () => {});
  // Without a primary nobody merges the analysis or replaces workers: stop serving rather than run unsupervised.
  process.on('disconnect', () => void stop());
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection; still serving'));
  send({ cutover: 'listening', address: app.dataAddress });
}

/** The primary's last word on weights: re-applied after a reload, which may have set the file's static weights. */
let lastState: RouteStateSync[] = [];

function applyState(app: CutoverApp, routes: RouteStateSync[]): void {
  lastState = routes;
  for (const r of routes) {
    const state = app.states.get(r.name);
    if (!state) continue;
    state.weight = r.weight;
    state.phase = r.phase;
    const share = r.shadowShare ?? 0;
    if (share > 0 && state.shadowWindow === null) state.startShadow(share, DEFAULT_SHADOW.examples);
    else if (share > 0) state.shadowShare = share;
    else if (state.shadowWindow !== null) state.stopShadow();
  }
}

function handle(app: CutoverApp, m: PrimaryMessage, log: Logger, stop: () => Promise<void>): void {
  switch (m.cutover) {
    case 'state':
      applyState(app, m.routes);
      return;
    case 'reload':
      void app.reload(m.reason).then((r) => {
        if (!r.ok) log.warn({ error: r.error }, 'worker reload failed');
        applyState(app, lastState);
      });
      return;
    case 'stop':
      void stop();
      return;
    default: {
      const never: never = m;
      return never;
    }
  }
}

function send(m: WorkerMessage): void {
  if (process.connected) process.send!(m);
}

/** Builds the periodic report: drained windows, count deltas, cumulative metrics. */
export class WorkerReporter {
  private readonly lastCounts = new WeakMap<VersionRecorder, { requests: number; failures: number }>();
  private reports = 0;
  private shadowSpare = new ShadowWindow();

  constructor(private readonly app: CutoverApp) {}

  async report(): Promise<WorkerMessage> {
    const windows: Record<string, SerializedTrafficWindow> = {};
    for (const state of this.app.states.values()) {
      const filled = state.drainWindow();
      if (!filled.isEmpty()) windows[state.name] = filled.toJSON();
    }
    const shadow: NonNullable<Extract<WorkerMessage, { cutover: 'report' }>['shadow']> = {};
    for (const state of this.app.states.values()) {
      const filled = state.drainShadowWindow(this.shadowSpare);
      if (filled === null) continue;
      this.shadowSpare = filled;
      const examples = state.shadowExamples;
      if (filled.isEmpty() && examples.length === 0) continue;
      // The primary keeps the examples; a worker only forwards the new ones.
      state.shadowExamples = [];
      shadow[state.name] = { window: filled.toJSON(), examples };
    }
    const counts: CountDelta[] = [];
    for (const route of this.app.proxy.routeTable.routes) {
      for (const target of route.canary ? [route.stable, route.canary] : [route.stable]) {
        const r = target.recorder;
        const last = this.lastCounts.get(r) ?? { requests: 0, failures: 0 };
        if (r.requests !== last.requests) counts.push({ route: route.name, version: target.name, requests: r.requests - last.requests, failures: r.failures - last.failures });
        this.lastCounts.set(r, { requests: r.requests, failures: r.failures });
      }
    }
    const registry = this.app.metrics.registry;
    const metrics: MetricSnapshot = [];
    for (const { name } of registry.getMetricsAsArray()) {
      if (!name.startsWith('cutover_') || PRIMARY_OWNED.test(name)) continue;
      const metric = registry.getSingleMetric(name);
      if (metric) metrics.push((await metric.get()) as MetricSnapshot[number]);
    }
    const message: WorkerMessage = { cutover: 'report', windows, counts, metrics };
    if (Object.keys(shadow).length > 0) message.shadow = shadow;
    if (this.reports++ % PROCESS_METRICS_EVERY === 0) {
      message.process = (await registry.getMetricsAsJSON()).filter((m) => !m.name.startsWith('cutover_'));
    }
    return message;
  }
}
