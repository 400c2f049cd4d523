/**
 * How the steering commands reach the admin API: which URL, which token, and what each failure
 * means for the exit code (DESIGN.md: 1 user error, 2 cannot reach the admin API).
 */
import { access } from 'node:fs/promises';
import { request } from 'undici';
import { loadConfigFile } from '../config/index.js';
import { DEFAULT_ADMIN_LISTEN } from '../config/defaults.js';
import { splitHostPort } from '../net.js';
import { EXIT_UNREACHABLE, EXIT_USER_ERROR } from './exit-codes.js';

export interface AdminTarget { url: string; token: string | undefined }

/** A failure with the exit code it maps to and a message for stderr. */
export class AdminCallError extends Error {
  constructor(readonly exitCode: number, readonly code: string, message: string) {
    super(message);
    this.name = 'AdminCallError';
  }
}

export const ADMIN_TIMEOUT_MS = 5_000;

/** --admin, else the config file's admin.listen when the file exists, else the default address. */
export async function resolveAdmin(args: { admin?: string; token?: string; config: string }, env: NodeJS.ProcessEnv = process.env): Promise<AdminTarget> {
  let url = args.admin;
  let configToken: string | undefined;
  if (url === undefined || (args.token === undefined && env.CUTOVER_ADMIN_TOKEN === undefined)) {
    const exists = await access(args.config).then(() => true, () => false);
    if (exists) {
      try {
        const { config } = await loadConfigFile(args.config, env);
        url ??= listenToUrl(config.admin.listen);
        configToken = config.admin.token;
      } catch (err) {
        process.stderr.write(`warning: ignoring ${args.config} (${(err as Error).message.split('\n')[0]}); pass --admin URL\n`);
      }
    }
  }
  return { url: (url ?? listenToUrl(DEFAULT_ADMIN_LISTEN)).replace(/\/+$/, ''), token: args.token ?? env.CUTOVER_ADMIN_TOKEN ?? configToken };
}

/** A wildcard listen address is reached on loopback. */
export function listenToUrl(listen: string): string {
  const { host, port } = splitHostPort(listen);
  const reachable = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export async function callAdmin(target: AdminTarget, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
  let res;
  try {
    res = await request(target.url + path, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new AdminCallError(EXIT_UNREACHABLE, 'ADMIN_UNREACHABLE',
      `cannot reach the admin API at ${target.url} (${e.code ?? e.name}: ${e.message}). Is cutover running? Check --admin, or admin.listen in the config given with -c.`);
  }
  const text = await res.body.text();
  let data: unknown;
  try {
    data = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new AdminCallError(EXIT_UNREACHABLE, 'ADMIN_NOT_CUTOVER', `${target.url}${path} answered ${res.statusCode} with something that is not JSON; is --admin pointing at cutover's admin port?`);
  }
  if (res.statusCode >= 400) {
    const error = (data as { error?: { code?: string; message?: string } }).error;
    const hint = res.statusCode === 401 ? ' Pass --token or set CUTOVER_ADMIN_TOKEN.' : '';
    // The API's own hint names an HTTP call; on the command line the equivalent is `cutover status`.
    const message = (error?.message ?? `admin API answered ${res.statusCode}`).replace('GET /api/v1/routes lists them', '`cutover status` lists them');
    throw new AdminCallError(EXIT_USER_ERROR, error?.code ?? `HTTP_${res.statusCode}`, `${message}${hint}`);
  }
  return data;
}

/** Runs a command against the admin API: an AdminCallError becomes its message on stderr and its exit code. */
export async function reportAdminErrors(command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    if (!(err instanceof AdminCallError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return err.exitCode;
  }
}
