import { CutoverApp } from '../app.js';
import { ConfigError, ConfigReadError } from '../config/errors.js';
import { runClusterIfConfigured } from '../cluster/index.js';
import { createLogger, exitAfterFlush } from '../log.js';
import { describeListenError } from '../net.js';
import { EXIT_USER_ERROR } from './exit-codes.js';

/**
 * `cutover start`: run the proxy until SIGTERM/SIGINT. SIGHUP reloads the
 * config. A second SIGTERM exits at once.
 */
export async function runStart(args: { config: string; pretty?: boolean; logLevel?: string }): Promise<void> {
  const log = createLogger({ pretty: args.pretty, level: args.logLevel });
  // workers: N > 1 runs this process as the cluster primary or one of its workers instead.
  // --log-level wins over log.level in the config; without it the config's level applies, reloads included.
  const logLevelFromConfig = args.logLevel === undefined;
  if (await runClusterIfConfigured(args.config, log, logLevelFromConfig)) return;
  let app: CutoverApp | null = null;
  let stopping = false;
  const shutdown = (running: CutoverApp): void => {
    running.stop().then(() => exitAfterFlush(log, 0), (err: unknown) => {
      log.error({ err }, 'shutdown failed');
      exitAfterFlush(log, 1);
    });
  };
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    // A signal during startup is acted on once the app is up (below).
    if (app) shutdown(app);
  };
  // Installed before starting: a SIGTERM right after "cutover started" must drain, not kill the process.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void app?.reload('SIGHUP'));
  try {
    app = await CutoverApp.start({ configFile: args.config, logger: log, logLevelFromConfig });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ConfigReadError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_USER_ERROR);
    }
    const listenError = describeListenError(err, args.config);
    if (listenError !== null) {
      process.stderr.write(`${listenError}\n`);
      process.exit(EXIT_USER_ERROR);
    }
    throw err;
  }
  if (stopping) shutdown(app);
  // Nothing a client or an upstream does may crash the proxy: log and keep serving.
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection; still serving'));
}
