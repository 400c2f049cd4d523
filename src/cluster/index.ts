import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { loadConfigFile } from '../config/load.js';
import type { Logger } from '../log.js';
import { describeListenError } from '../net.js';
import { ClusterPrimary } from './primary.js';
import { runWorker } from './worker.js';

/**
 * The hook `cutover start` calls first. Returns false for `workers: 1` (and for a config
 * that does not load, so the single-process path reports the error as it always has);
 * otherwise runs this process as the cluster primary or as one of its workers.
 */
export async function runClusterIfConfigured(configFile: string, log: Logger, logLevelFromConfig = false): Promise<boolean> {
  if (cluster.isWorker && process.env.CUTOVER_WORKER === '1') {
    await runWorker(configFile, log, logLevelFromConfig);
    return true;
  }
  let workers: number | 'auto';
  try {
    workers = (await loadConfigFile(configFile)).config.workers;
  } catch {
    return false;
  }
  const count = workers === 'auto' ? availableParallelism() : workers;
  if (count <= 1) return false;
  let primary: ClusterPrimary;
  try {
    primary = await ClusterPrimary.start(configFile, log, count, logLevelFromConfig);
  } catch (err) {
    process.stderr.write(`${describeListenError(err, configFile) ?? `cannot start: ${(err as Error).message}`}\n`);
    process.exit(1);
  }
  let signals = 0;
  const stop = (signal: string): void => {
    if (signals++ > 0) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal, workers: count }, 'shutting down');
    void primary.stop();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => primary.reload('SIGHUP'));
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception in the primary; still running'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection in the primary; still running'));
  return true;
}
