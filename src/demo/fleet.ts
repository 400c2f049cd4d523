/**
 * `cutover demo --fleet N`: N replicas in this process sharing one rollout through a Redis the
 * demo starts on a free loopback port (or the one given with --redis), so the replicas, their
 * leader and a takeover can be watched side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CutoverApp } from '../app.js';
import type { Logger } from '../log.js';
import { freeLoopbackPort as freePort } from '../net.js';

export const MAX_DEMO_REPLICAS = 9;
const REDIS_START_TIMEOUT_MS = 5_000;

export interface DemoReplicaRow { id: string; leader: boolean; phase: string; weight: number; requestsPerSecond: number; storeUp: boolean }

export interface DemoFleet {
  apps: CutoverApp[];
  redisUrl: string;
  rows(route: string): DemoReplicaRow[];
  stop(): Promise<void>;
}


/** A throwaway redis-server: loopback only, no persistence; a clear error when it is not installed. */
async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${REDIS_START_TIMEOUT_MS / 1000}s; pass --redis URL to use a running Redis`)), REDIS_START_TIMEOUT_MS);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code === 'ENOENT' ? 'redis-server is not installed (e.g. apt install redis-server); or pass --redis URL to use a running Redis' : `cannot start redis-server: ${err.message}`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.resume();
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}/0`, child };
}

/** Starts the replicas, one after the other (the first takes the lease), each with its own config file. */
export async function startDemoFleet(options: { count: number; redisUrl?: string; dir: string; config: Record<string, unknown>; logger: Logger }): Promise<DemoFleet> {
  const redis = options.redisUrl ? null : await startRedis();
  const redisUrl = options.redisUrl ?? redis!.url;
  const name = `demo-${process.pid}-${Date.now().toString(36)}`;
  const apps: CutoverApp[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(apps.map((a) => a.stop(2_000)));
    if (redis && redis.child.exitCode === null) {
      const exited = once(redis.child, 'exit');
      redis.child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    for (let i = 0; i < options.count; i++) {
      const configFile = join(options.dir, `replica-${i + 1}.yaml`);
      await writeFile(configFile, stringify({
        ...options.config, stateFile: join(options.dir, `replica-${i + 1}-state.json`),
        fleet: { redis: redisUrl, name, replica: `replica-${i + 1}`, leaseTtl: '2s' },
      }));
      apps.push(await CutoverApp.start({ configFile, logger: options.logger, watch: false }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    apps,
    redisUrl,
    rows: (route) => apps.map((a) => {
      const state = a.states.get(route);
      return {
        id: a.fleet!.id, leader: a.fleet!.mayDecide(), phase: state?.phase ?? '–', weight: state?.weight ?? 0,
        requestsPerSecond: a.fleet!.requestsPerSecond, storeUp: a.fleet!.storeUp,
      };
    }),
    stop,
  };
}
