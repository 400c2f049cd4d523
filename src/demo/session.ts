import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { stringify } from 'yaml';
import type { ApiRoute } from '../admin/dashboard-model.js';
import { CutoverApp } from '../app.js';
import { createLogger } from '../log.js';
import { BAD_CANARY_ERROR_RATE, DEMO_MEDIAN_LATENCY_MS, DEMO_ROUTE, demoConfig, demoSchedule } from './config.js';
import { startDemoFleet, type DemoFleet } from './fleet.js';
import { SyntheticLoad } from './load.js';
import { DemoTerminal } from './terminal.js';
import { createDemoUpstream } from './upstream.js';
import { renderSummary, type DemoEnd, type DemoFrame } from './view.js';

export interface DemoOptions {
  badCanary: boolean;
  durationS: number;
  rate: number;
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Aborted on Ctrl-C: the demo stops, cleans up and still prints its summary. */
  signal?: AbortSignal;
  /** `--fleet N [--redis URL]`: N replicas sharing the rollout through Redis. */
  fleet?: { replicas: number; redisUrl?: string };
}

export interface DemoResult { end: DemoEnd; summary: string; logFile: string }

const REFRESH_MS = 250;
/** After promotion or revert, keep drawing briefly so the last decision is seen on screen. */
const LINGER_MS = 1_000;

/**
 * `cutover demo`: two demo upstreams, the proxy in-process with a generated config, a bounded
 * synthetic load, and a live view until the rollout ends or the time limit. Everything it
 * starts is stopped in `finally`, whatever happened.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-demo-'));
  const logFile = join(dir, 'cutover.log');
  const logStream = createWriteStream(logFile);
  const servers: Server[] = [];
  let app: CutoverApp | undefined;
  let fleet: DemoFleet | undefined;
  let load: SyntheticLoad | undefined;
  const terminal = new DemoTerminal(options.out);
  const startedAt = performance.now();
  const limitMs = options.durationS * 1000;
  let frame: DemoFrame | undefined;
  let end: DemoEnd = 'limit';
  try {
    const stableUrl = await listen(servers, createDemoUpstream({ name: 'v1', latencyMs: DEMO_MEDIAN_LATENCY_MS }));
    const canaryUrl = await listen(servers, createDemoUpstream({ name: 'v2', latencyMs: DEMO_MEDIAN_LATENCY_MS, errorRate: options.badCanary ? BAD_CANARY_ERROR_RATE : 0 }));
    const configFile = join(dir, 'cutover.yaml');
    const config = demoConfig({ stableUrl, canaryUrl, dir, schedule: demoSchedule(options.durationS) });
    await writeFile(configFile, stringify(config));
    // Logs go to a file so the live view owns the terminal.
    const logger = createLogger({ destination: logStream });
    if (options.fleet) {
      fleet = await startDemoFleet({ count: options.fleet.replicas, redisUrl: options.fleet.redisUrl, dir, config, logger });
      app = fleet.apps[0]!;
    } else {
      app = await CutoverApp.start({ configFile, logger, watch: false });
    }
    const adminUrl = `http://127.0.0.1:${app.adminAddress.port}`;
    const targets = (fleet?.apps ?? [app]).map((a) => `http://127.0.0.1:${a.dataAddress.port}`);
    load = new SyntheticLoad({ target: targets[0]!, targets, rate: options.rate, maxRequests: Math.ceil(options.rate * options.durationS) });
    load.start();
    let endedAt: number | undefined;
    // Bounded by the time limit: every pass either sleeps REFRESH_MS or ends the loop.
    for (;;) {
      const now = performance.now();
      const route = await fetchRoute(adminUrl, DEMO_ROUTE).catch(() => frame?.route ?? null);
      frame = {
        route, client: load.stats(now), elapsedMs: now - startedAt, limitMs, dashboardUrl: `${adminUrl}/`, badCanary: options.badCanary,
        ...(fleet ? { fleet: fleet.rows(DEMO_ROUTE) } : {}),
      };
      terminal.draw(frame);
      if (endedAt === undefined) {
        if (route?.phase === 'promoted' || route?.phase === 'reverted') {
          end = route.phase;
          endedAt = now;
        } else if (options.signal?.aborted) {
          end = 'interrupted';
          break;
        } else if (now - startedAt >= limitMs) {
          end = 'limit';
          break;
        } else if (load.done) {
          end = 'load-done';
          break;
        }
      } else if (now - endedAt >= LINGER_MS || options.signal?.aborted) {
        break;
      }
      await sleep(REFRESH_MS);
    }
  } finally {
    terminal.finish();
    await load?.stop();
    if (fleet) await fleet.stop();
    else await app?.stop(2_000);
    await Promise.all(servers.map(closeServer));
    logStream.end();
    await once(logStream, 'close').catch(() => undefined);
  }
  // Counted after the load stopped, so requests that were in flight at the end are included.
  if (frame && load) frame = { ...frame, client: load.stats() };
  const summary = frame ? renderSummary(end, frame) : `cutover demo ended before the proxy started (${end})`;
  await rm(dir, { recursive: true, force: true });
  return { end, summary, logFile };
}

async function listen(servers: Server[], server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  const closed = once(server, 'close');
  server.close();
  await closed;
}

async function fetchRoute(adminUrl: string, name: string): Promise<ApiRoute> {
  const res = await request(`${adminUrl}/api/v1/routes/${name}`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`admin API answered ${res.statusCode}`);
  }
  return (await res.body.json()) as ApiRoute;
}
