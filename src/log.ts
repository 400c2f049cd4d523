import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Structured JSON logs by default (one line per transition, reload, or problem);
 * human-readable with --pretty. Nothing is logged per request unless the access
 * log is switched on.
 */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const base = { level: options.level ?? 'info', base: { app: 'cutover' }, redact: ['token', 'admin.token', 'authorization', '*.authorization'] };
  if (options.pretty) return pino(base, pretty({ colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,app', destination: options.destination as never }));
  // Synchronous writes: log lines are rare (transitions, reloads, problems), and an async sonic-boom
  // destination hangs the process at exit when stdout is a closed pipe (see exitAfterFlush). The
  // access log, off by default, pays one write per request for it.
  return pino(base, (options.destination as never) ?? pino.destination({ sync: true }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Exits once the log is written out, whatever the destination. pino runs sonic-boom's flushSync
 * at exit for an async destination, and sonic-boom 4 loops there for ever on any write error but
 * EAGAIN: with a closed stdout pipe (EPIPE) the process would never exit, SIGTERM or not. Seen
 * with `cutover start | head`; test/e2e/closed-stdout.test.ts keeps it fixed.
 */
export function exitAfterFlush(log: Logger, code: number, timeoutMs = 2_000): void {
  const exit = (): void => process.exit(code);
  setTimeout(exit, timeoutMs).unref();
  try {
    log.flush(() => setImmediate(exit));
  } catch {
    exit();
  }
}
