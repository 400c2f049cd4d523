/**
 * The parts of a config reload around the swap itself (which CutoverApp owns): loading the file
 * without letting a bad one through, warning about what applies only on restart, the static
 * weights of an app without a controller, and coalescing overlapping reloads.
 */
import { ConfigError, ConfigReadError, loadConfigFile, type CutoverConfig } from './config/index.js';
import type { Logger } from './log.js';
import type { CutoverMetrics } from './metrics/registry.js';
import type { RouteStates } from './routing/route-state.js';

export type ReloadResult = { ok: true; generation: number } | { ok: false; error: string };

/**
 * Read once at start (listeners, worker count, the controller's state file, the server's
 * client-side limits): a reload that changes one of them logs a warning and applies the rest.
 */
const RESTART_ONLY: Readonly<Record<string, (c: CutoverConfig) => unknown>> = {
  listen: (c) => c.listen,
  'admin.listen': (c) => c.admin.listen,
  workers: (c) => c.workers,
  stateFile: (c) => c.stateFile,
  limits: (c) => c.limits,
  // Which listener to build; the certificate list itself is applied on reload.
  'tls (on or off)': (c) => c.tls !== undefined,
  http2: (c) => c.http2,
  fleet: (c) => c.fleet,
};

/** Loads the file again; a failure is counted and logged, and the last good config keeps serving. */
export async function loadForReload(
  file: string, env: NodeJS.ProcessEnv | undefined, reason: string, log: Logger, metrics: CutoverMetrics,
): Promise<{ ok: true; config: CutoverConfig } | { ok: false; error: string }> {
  try {
    const loaded = await loadConfigFile(file, env);
    for (const w of loaded.warnings) log.warn({ file }, w);
    return { ok: true, config: loaded.config };
  } catch (err) {
    metrics.configReloads.inc({ result: 'failure' });
    const message = err instanceof ConfigError || err instanceof ConfigReadError ? err.message : String(err);
    log.error({ file, reason, errors: err instanceof ConfigError ? err.issues : undefined }, `config reload rejected; the last good config keeps serving: ${message}`);
    return { ok: false, error: message };
  }
}

export function warnRestartOnly(log: Logger, file: string, previous: CutoverConfig, next: CutoverConfig): void {
  const restartOnly = Object.entries(RESTART_ONLY).filter(([, field]) => JSON.stringify(field(previous)) !== JSON.stringify(field(next))).map(([name]) => name);
  if (restartOnly.length > 0) {
    log.warn({ file, fields: restartOnly }, `${restartOnly.join(', ')} changed: these apply only on restart; the rest of the config is applied now`);
  }
}

/** A changed `weight:` in the file wins; an unchanged one leaves a weight set at runtime alone. */
export function applyStaticWeights(states: RouteStates, previous: CutoverConfig, next: CutoverConfig): void {
  for (const route of next.routes) {
    if (route.rollout) continue;
    const before = previous.routes.find((r) => r.name === route.name);
    const state = states.get(route.name);
    if (state && (!before || before.weight !== route.weight || !route.canary)) state.weight = route.canary ? route.weight : 0;
  }
}

/**
 * Overlapping calls coalesce into one more run after the current one; the callers that overlap
 * get the current run's result, and the extra run keeps the reason the current one started with.
 */
export function coalesced<T>(run: (reason: string) => Promise<T>): (reason: string) => Promise<T> {
  let running: Promise<T> | null = null;
  let again = false;
  const call = (reason: string): Promise<T> => {
    if (running) {
      again = true;
      return running;
    }
    running = run(reason).finally(() => {
      running = null;
      if (again) {
        again = false;
        void call(reason);
      }
    });
    return running;
  };
  return call;
}
