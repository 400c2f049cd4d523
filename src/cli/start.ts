import { CutoverApp } from '../app.js';
import { ConfigError, ConfigReadError } from '../config/errors.js';
import { createLogger } from '../log.js';
import { EXIT_USER_ERROR } from './exit-codes.js';

/**
 * `cutover start`: run the proxy until SIGTERM/SIGINT. SIGHUP reloads the
 * config. A second SIGTERM exits at once.
 */
export async function runStart(args: { config: string; pretty?: boolean; logLevel?: string }): Promise<void> {
  const log = createLogger({ pretty: args.pretty, level: args.logLevel });
  let app: CutoverApp;
  try {
    app = await CutoverApp.start({ configFile: args.config, logger: log });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ConfigReadError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_USER_ERROR);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
      process.stderr.write(`cannot listen: ${e.message}. Another process holds the port, or it needs privileges; change listen/admin.listen in ${args.config}.\n`);
      process.exit(EXIT_USER_ERROR);
    }
    throw err;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    app.stop().then(() => {
      log.flush?.();
      process.exit(0);
    }, (err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void app.reload('SIGHUP'));
  // Nothing a client or an upstream does may crash the proxy: log and keep serving.
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection; still serving'));
}
