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
  return pino(base, (options.destination as never) ?? pino.destination({ sync: false }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
