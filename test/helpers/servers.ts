import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { CutoverApp } from '../../src/app.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { RandomSource } from '../../src/routing/traffic-split.js';
import { PROBE_USER_AGENT } from '../../src/upstream/probe.js';

export interface TestUpstream {
  server: Server;
  url: string;
  port: number;
  /** Requests received, in order (method, url, headers), for asserting what reached the upstream. */
  seen: { method: string; url: string; headers: IncomingMessage['headers']; rawHeaders: string[] }[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1:0. The default handler answers its name;
 * pass a handler to do anything else. Closed automatically when the test ends.
 * `port` is for an endpoint that must come up where the proxy already looks.
 */
export async function startUpstream(name = 'up', handler?: (req: IncomingMessage, res: ServerResponse) => void, port = 0): Promise<TestUpstream> {
  const seen: TestUpstream['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    if (handler) return handler(req, res);
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name });
    res.end(name);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    if (!server.listening) return;
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  onTestFinished(close);
  return { server, url: `http://127.0.0.1:${actual}`, port: actual, seen, close };
}

export interface RouteSpec {
  name?: string;
  stable: string[];
  canary?: string[];
  weight?: number;
  [key: string]: unknown;
}

/** A config object with loopback, port-0 listeners and the state file in a temp dir. */
export function testConfig(routes: RouteSpec[], extra: Record<string, unknown> = {}, dir?: string): Record<string, unknown> {
  return {
    listen: '127.0.0.1:0',
    admin: { listen: '127.0.0.1:0' },
    // Each startCutover gets its own temp dir (CUTOVER_TEST_DIR); a shared state file would let parallel tests restore each other's rollouts.
    stateFile: dir ? join(dir, 'state.json') : '${CUTOVER_TEST_DIR}/state.json',
    drainTimeout: '5s',
    ...extra,
    routes: routes.map((r, i) => {
      const { name, stable, canary, weight, ...rest } = r;
      return {
        name: name ?? `route-${i}`,
        stable: { endpoints: stable },
        ...(canary ? { canary: { endpoints: canary } } : {}),
        weight: weight ?? 0,
        ...rest,
      };
    }),
  };
}

export interface TestCutover {
  app: CutoverApp;
  dataUrl: string;
  adminUrl: string;
  configFile: string;
  dir: string;
  /** Writes a new config (object or raw YAML) to the watched file. */
  writeConfig(config: Record<string, unknown> | string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a real cutover app on loopback with the given config; stopped when the test ends. */
export async function startCutover(
  config: Record<string, unknown> | string,
  options: { random?: RandomSource; watch?: boolean; env?: NodeJS.ProcessEnv; logger?: Logger; logLevelFromConfig?: boolean } = {},
): Promise<TestCutover> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-test-'));
  const configFile = join(dir, 'cutover.yaml');
  const toText = (c: Record<string, unknown> | string): string => (typeof c === 'string' ? c : stringify(c));
  await writeFile(configFile, toText(config));
  const app = await CutoverApp.start({
    configFile, logger: options.logger ?? silentLogger(), logLevelFromConfig: options.logLevelFromConfig, random: options.random, watch: options.watch ?? false,
    defaultMetrics: false, env: { CUTOVER_TEST_DIR: dir, ...options.env },
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await app.stop(1_000);
    await rm(dir, { recursive: true, force: true });
  };
  onTestFinished(stop);
  return {
    app,
    dataUrl: `http://127.0.0.1:${app.dataAddress.port}`,
    adminUrl: `http://127.0.0.1:${app.adminAddress.port}`,
    configFile,
    dir,
    writeConfig: (c) => writeFile(configFile, toText(c)),
    stop,
  };
}

/** What reached an upstream from clients, without cutover's own warm pings and health checks. */
export function clientRequests(upstream: TestUpstream): TestUpstream['seen'] {
  return upstream.seen.filter((r) => r.headers['user-agent'] !== PROBE_USER_AGENT);
}
