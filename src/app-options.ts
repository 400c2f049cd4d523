/** How an app is started (CutoverApp.start) and which part of a cluster it plays. */
import type { Logger } from './log.js';
import type { RandomSource } from './routing/traffic-split.js';

export interface AppOptions {
  configFile: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  random?: RandomSource;
  /** Watch the config file and reload on change (default true). */
  watch?: boolean;
  defaultMetrics?: boolean;
  /**
   * Keep `logger` at the config's `log.level`, from the start and on every reload. `cutover start`
   * asks for it unless `--log-level` is given; a logger passed without it keeps its own level.
   */
  logLevelFromConfig?: boolean;
  /**
   * 'single' (the default) does everything in one process. With `workers: N` the cluster
   * primary runs as 'primary' (config, admin, controller, state file; no data-plane
   * listener) and each worker as 'worker' (data plane only; no admin listener). See src/cluster/.
   */
  role?: AppRole;
  /** Replaces the /metrics body, e.g. with the cluster primary's sum over its workers. */
  metricsText?: () => Promise<{ contentType: string; body: string }>;
}

export type AppRole = 'single' | 'primary' | 'worker';
