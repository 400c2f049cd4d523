// Three replicas as real processes on one real redis-server. The leader is SIGKILLed mid-rollout:
// another replica takes the lease and carries on from the same step (no reset, no double step),
// and the surviving replicas fail no client request meanwhile.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { runCli, spawnCli } from '../helpers/cli-process.js';
import { startRedis } from '../helpers/redis.js';
import { testConfig } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';
import { FAST_ROLLOUT, getRoute, startSpreadUpstream, type RouteJson } from '../integration/rollout/load.js';

interface Replica { id: string; dataUrl: string; adminUrl: string; p: ReturnType<typeof spawnCli> }

async function fleetOf(adminUrl: string): Promise<{ deciding: boolean; leader: string | null }> {
  return (await (await request(`${adminUrl}/api/v1/fleet`)).body.json()) as { deciding: boolean; leader: string | null };
}

/** Round-robin over `replicas` (a load balancer's view) until `done()` or the bounds; counts failures. */
async function roundRobin(replicas: Replica[], done: () => Promise<boolean>, maxRequests = 20_000, deadlineMs = 20_000): Promise<{ sent: number; failed: number }> {
  const agent = new Agent({ connections: 4 });
  onTestFinished(() => agent.close());
  const end = Date.now() + deadlineMs;
  const out = { sent: 0, failed: 0 };
  let stop = false;
  const worker = async (k: number): Promise<void> => {
    while (!stop && out.sent < maxRequests && Date.now() < end) {
      const r = replicas[(out.sent + k) % replicas.length]!;
      out.sent++;
      try {
        const res = await request(`${r.dataUrl}/`, { dispatcher: agent });
        await res.body.dump();
        if (res.statusCode >= 500) out.failed++;
      } catch {
        out.failed++;
      }
    }
  };
  const watch = async (): Promise<void> => {
    while (!stop && out.sent < maxRequests && Date.now() < end) {
      if (await done()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = true;
  };
  await Promise.all([watch(), worker(0), worker(1), worker(2), worker(3)]);
  return out;
}

describe('fleet: leader SIGKILL (3 processes, real redis-server)', () => {
  it('another replica takes over from the same step and the survivors fail no request', async () => {
    const redis = await startRedis();
    const stable = await startSpreadUpstream('v1');
    const canary = await startSpreadUpstream('v2');
    const dir = await mkdtemp(join(tmpdir(), 'cutover-fleet-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    // Long enough to stop the load and kill the leader while the second step still bakes.
    const rollout = { ...FAST_ROLLOUT, minStepDuration: '2s' };
    const replicas: Replica[] = [];
    for (const id of ['r1', 'r2', 'r3']) {
      const file = join(dir, `${id}.yaml`);
      await writeFile(file, stringify(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout }], {
        stateFile: join(dir, `${id}-state.json`), log: { level: 'info' }, fleet: { redis: redis.url, name: 'e2e', replica: id, leaseTtl: '1s' },
      })));
      const p = spawnCli(['start', '-c', file]);
      const started = await p.logLine((e) => e.msg === 'cutover started');
      const addr = (k: string) => `http://127.0.0.1:${(started[k] as { port: number }).port}`;
      replicas.push({ id, dataUrl: addr('listen'), adminUrl: addr('admin'), p });
    }
    const leaderOf = async (rs: Replica[]): Promise<Replica | undefined> => {
      for (const r of rs) if ((await fleetOf(r.adminUrl)).deciding) return r;
      return undefined;
    };
    await until(async () => (await leaderOf(replicas)) !== undefined, 'a leader');
    const leader = (await leaderOf(replicas))!;

    const warm = await roundRobin(replicas, async () => ((await getRoute(leader.adminUrl, 'shop')).rollout?.step ?? 0) >= 1);
    expect(warm.failed).toBe(0);
    const before = await getRoute(leader.adminUrl, 'shop');
    expect(before).toMatchObject({ phase: 'progressing', weight: 50, rollout: { step: 1 } });
    const survivors = replicas.filter((r) => r !== leader);
    // Every replica applied the step before the kill.
    await until(async () => (await Promise.all(survivors.map((r) => getRoute(r.adminUrl, 'shop')))).every((s) => s.weight === 50), 'followers at 50%', 5_000);

    leader.p.child.kill('SIGKILL');
    expect(await leader.p.exited).toBe('SIGKILL');
    let next: Replica | undefined;
    const during = await roundRobin(survivors, async () => (next = await leaderOf(survivors)) !== undefined);
    expect(during.failed).toBe(0);
    expect(next).toBeDefined();
    const after = await getRoute(next!.adminUrl, 'shop');
    expect(after).toMatchObject({ phase: 'progressing', weight: 50, rollout: { step: 1 } });
    expect(after.history).toEqual(before.history);

    // `cutover status` on any replica names the new leader and lists the replicas. The list is the
    // replicas' heartbeats (once a second), so a heartbeat sent just before a replica applied the
    // step can still show the old weight: ask again until every survivor's says 50 %.
    const listed = (out: string): boolean => survivors.every((r) => new RegExp(`^  ${r.id} .*config [0-9a-f]{12}  shop=50%`, 'm').test(out));
    let status = await runCli(['status', '--admin', survivors.find((r) => r !== next)!.adminUrl]);
    for (let i = 0; i < 10 && status.code === 0 && !listed(status.stdout); i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = await runCli(['status', '--admin', survivors.find((r) => r !== next)!.adminUrl]);
    }
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`fleet e2e: leader ${next!.id}, store up`);
    for (const r of survivors) expect(status.stdout).toMatch(new RegExp(`^  ${r.id} .*config [0-9a-f]{12}  shop=50%`, 'm'));

    // It carries on: the same step passes once, then promotion; nothing in between.
    const rest = await roundRobin(survivors, async () => (await getRoute(next!.adminUrl, 'shop')).phase === 'promoted');
    expect(rest.failed).toBe(0);
    const final: RouteJson = await getRoute(next!.adminUrl, 'shop');
    expect(final.history.slice(0, before.history.length)).toEqual(before.history);
    expect(final.history.slice(before.history.length).map((h) => [h.to, h.weight])).toEqual([['promoted', 100]]);
    for (const r of survivors) await until(async () => (await getRoute(r.adminUrl, 'shop')).phase === 'promoted', `${r.id} to apply the promotion`, 3_000);
    for (const r of survivors) r.p.child.kill('SIGTERM');
    for (const r of survivors) expect(await r.p.exited).toBe(0);
    // Three processes and a load on a shared 2-core machine: bounded, but not by the default 30 s.
  }, 60_000);
});
