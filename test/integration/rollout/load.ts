/** Shared helpers for the rollout integration tests: a bounded load loop, upstreams with a latency spread, polling. */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { onTestFinished } from 'vitest';
import { startUpstream, type TestUpstream } from '../../helpers/servers.js';

/**
 * An upstream whose latency spreads over several 10 % histogram buckets (5–20 ms), so the latency
 * tests have events on both sides; `errorRate` of the requests answer 500.
 */
export function startSpreadUpstream(name: string, errorRate = 0): Promise<TestUpstream> {
  let n = 0;
  return startUpstream(name, (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const i = n++;
    // Deterministic spread: the same sequence for stable and canary, so healthy means identical.
    const delay = 5 + ((i * 7919) % 16);
    const fail = errorRate > 0 && (i * 7 + 3) % Math.round(1 / errorRate) === 0;
    setTimeout(() => {
      res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' });
      res.end(name);
    }, delay);
  });
}

export interface LoadResult { sent: number; failed: number }

/**
 * Sends requests with `concurrency` workers until `until()` is true, `maxRequests` were sent or
 * `deadlineMs` passed, whichever comes first. Every loop is bounded.
 */
export async function driveLoad(url: string, options: { until: () => boolean | Promise<boolean>; concurrency?: number; maxRequests?: number; deadlineMs?: number }): Promise<LoadResult> {
  const agent = new Agent({ connections: options.concurrency ?? 8 });
  onTestFinished(() => agent.close());
  const deadline = Date.now() + (options.deadlineMs ?? 15_000);
  const max = options.maxRequests ?? 50_000;
  const result: LoadResult = { sent: 0, failed: 0 };
  let done = false;
  const worker = async (): Promise<void> => {
    while (!done && result.sent < max && Date.now() < deadline) {
      result.sent++;
      try {
        const res = await request(url, { dispatcher: agent });
        await res.body.dump();
        if (res.statusCode >= 500) result.failed++;
      } catch {
        result.failed++;
      }
    }
  };
  const watcher = async (): Promise<void> => {
    while (!done && result.sent < max && Date.now() < deadline) {
      if (await options.until()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    done = true;
  };
  await Promise.all([watcher(), ...Array.from({ length: options.concurrency ?? 8 }, worker)]);
  return result;
}

/** Polls `check` every 25 ms until it returns a value other than undefined, or throws at the deadline. */
export async function pollUntil<T>(check: () => T | undefined | Promise<T | undefined>, what: string, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface RouteJson {
  name: string;
  phase: string;
  weight: number;
  rollout: null | { step: number; steps: number[]; stepStartedAt: string; revision: string | null; reason: string | null; verdict: null | { outcome: string; reason: string; tests: { metric: string; revertLogE: number; advanceLogE: number }[]; canary: { requests: number } } };
  history: { at: string; from: string; to: string; weight: number; step: number; reason: string }[];
  live: { stable: { rps: number; errorRate: number; p99Ms: number }; canary: { rps: number; errorRate: number; p99Ms: number } | null };
}

export async function getRoute(adminUrl: string, name: string): Promise<RouteJson> {
  const res = await request(`${adminUrl}/api/v1/routes/${name}`);
  return (await res.body.json()) as RouteJson;
}

/** A rollout block that decides in seconds on local traffic (see docs/rollouts.md for the knobs). */
export const FAST_ROLLOUT = {
  steps: [10, 50, 100],
  minStepDuration: '1s',
  maxStepDuration: '1m',
  minSamples: 50,
  errorRate: { tolerance: '10%' },
  latency: { quantile: 0.9, tolerance: '100%' },
  falseRollbackRate: '1%',
};

/**
 * A state file in a fresh temp dir: testConfig's default (os.tmpdir()/state.json) is shared by every
 * test process on the machine, and a rollout test must not restore another test's state.
 */
export async function privateStateFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-rollout-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'state.json');
}
