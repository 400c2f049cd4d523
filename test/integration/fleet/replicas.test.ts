// Two replicas in this process, one real redis-server: the leader's verdict sees both replicas'
// traffic, the follower applies every decision, and steering on the follower is fleet-wide.
import { Writable } from 'node:stream';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../../src/log.js';
import { startRedis } from '../../helpers/redis.js';
import { startCutover, startUpstream, testConfig, type TestCutover } from '../../helpers/servers.js';
import { until } from '../../helpers/wait.js';

const LEASE_TTL = '1s';
// Steps never pass on their own here (a long bake time): every move below is the test's.
const ROLLOUT = { steps: [20, 100], minStepDuration: '60s', maxStepDuration: '10m', minSamples: 10_000 };

interface RouteJson { phase: string; weight: number; rollout: { step: number; verdict: { canary: { requests: number }; stable: { requests: number } } | null } | null }
interface FleetJson { leader: string | null; deciding: boolean; hold: string | null; store: { up: boolean }; replicas: { id: string; leader: boolean; live: boolean; configMatches: boolean }[] }

async function getJson<T>(url: string): Promise<T> {
  const res = await request(url);
  return (await res.body.json()) as T;
}
const route = (c: TestCutover, name = 'shop') => getJson<RouteJson>(`${c.adminUrl}/api/v1/routes/${name}`);
const fleet = (c: TestCutover) => getJson<FleetJson>(`${c.adminUrl}/api/v1/fleet`);

async function steer(c: TestCutover, path: string, body?: unknown): Promise<{ status: number; body: RouteJson }> {
  const res = await request(`${c.adminUrl}/api/v1/routes/${path}`, {
    method: body === undefined ? 'POST' : 'PUT', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as RouteJson };
}

async function metric(c: TestCutover, name: string): Promise<number> {
  const text = await (await request(`${c.adminUrl}/metrics`)).body.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

/** A logger whose lines the test can count. */
function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>); cb(); } });
  return { logger: createLogger({ level: 'info', destination: sink }), lines };
}

async function replica(redisUrl: string, id: string, routes: Parameters<typeof testConfig>[0], logger?: Logger): Promise<TestCutover> {
  return startCutover(testConfig(routes, { fleet: { redis: redisUrl, name: 'shop-edge', replica: id, leaseTtl: LEASE_TTL } }), { logger });
}

async function upstreams() {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2');
  return { stable: [stable.url], canary: [canary.url] };
}

async function send(c: TestCutover, n: number): Promise<number> {
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const res = await request(`${c.dataUrl}/`);
    await res.body.dump();
    if (res.statusCode >= 500) failed++;
  }
  return failed;
}

describe('fleet: two replicas, one rollout (real redis-server)', () => {
  it('sums both replicas\' windows on the leader; the follower applies decisions and steers through the leader', async () => {
    const redis = await startRedis();
    const ups = await upstreams();
    const a = await replica(redis.url, 'a', [{ name: 'shop', ...ups, rollout: ROLLOUT }]);
    await until(async () => (await fleet(a)).deciding, 'a to lead');
    const b = await replica(redis.url, 'b', [{ name: 'shop', ...ups, rollout: ROLLOUT }]);
    expect((await fleet(b)).deciding).toBe(false);
    expect(await route(b)).toMatchObject({ phase: 'progressing', weight: 20, rollout: { step: 0 } });

    expect(await send(a, 120) + await send(b, 80)).toBe(0);
    await until(async () => {
      const v = (await route(a)).rollout?.verdict;
      return v !== null && v !== undefined && v.canary.requests + v.stable.requests === 200;
    }, 'the leader\'s step to count all 200 requests of both replicas');

    // The follower's event stream (its dashboard) shows the leader's transition; webhooks stay the leader's.
    const events = await request(`${b.adminUrl}/api/v1/events`);
    const seenPaused = (async () => {
      let text = '';
      for await (const chunk of events.body) {
        text += (chunk as Buffer).toString();
        if (/event: transition\ndata: .*"to":"paused"/.test(text)) return true;
      }
      return false;
    })();
    const paused = await steer(b, 'shop/pause');
    expect(paused).toMatchObject({ status: 200, body: { phase: 'paused', weight: 20 } });
    expect(await route(a)).toMatchObject({ phase: 'paused', weight: 20 });
    expect(await seenPaused).toBe(true);
    events.body.destroy();
    const weighted = await steer(b, 'shop/weight', { weight: 35 });
    expect(weighted).toMatchObject({ status: 200, body: { weight: 35 } });
    expect((await route(a)).weight).toBe(35);
    // A refusal from the leader reaches the operator as the leader's refusal.
    expect((await steer(b, 'shop/pause')).status).toBe(409);

    // The replicas list is what the store last listed (heartbeats once a second): wait for both.
    await until(async () => (await fleet(b)).replicas.length === 2, 'the follower to list both replicas', 10_000);
    const view = await fleet(b);
    expect(view).toMatchObject({ leader: 'a', deciding: false, hold: null, store: { up: true } });
    expect(view.replicas.map((r) => [r.id, r.leader, r.configMatches])).toEqual([['a', true, true], ['b', false, true]]);
    expect(await metric(a, 'cutover_fleet_leader')).toBe(1);
    expect(await metric(b, 'cutover_fleet_leader')).toBe(0);
    expect(await metric(b, 'cutover_fleet_replicas')).toBe(2);
  });

  it('flags a replica whose route config differs and holds the rollout while they disagree', async () => {
    const redis = await startRedis();
    const ups = await upstreams();
    const a = await replica(redis.url, 'a', [{ name: 'shop', ...ups, rollout: ROLLOUT }]);
    await until(async () => (await fleet(a)).deciding, 'a to lead');
    await replica(redis.url, 'odd', [{ name: 'shop', ...ups, rollout: { ...ROLLOUT, steps: [5, 100] } }]);
    await until(async () => (await fleet(a)).hold !== null, 'the leader to hold');
    const view = await fleet(a);
    expect(view.hold).toMatch(/odd .* different route config/);
    expect(view.replicas.find((r) => r.id === 'odd')?.configMatches).toBe(false);
  });

  it('a replica that cannot reach Redis at start serves stable, stays ready and says why', async () => {
    const ups = await upstreams();
    const { logger, lines } = capturedLogger();
    // A port nobody listens on: taken from a Redis that is already gone.
    const gone = await startRedis();
    await gone.kill();
    const c = await replica(gone.url, 'blind', [{ name: 'shop', ...ups, rollout: ROLLOUT }], logger);
    expect(await route(c)).toMatchObject({ weight: 0 });
    const ready = await request(`${c.adminUrl}/readyz`);
    expect(ready.statusCode).toBe(200);
    expect(await ready.body.text()).toMatch(/fleet store .* unreachable since start: serving stable \(weight 0\)/);
    expect(await metric(c, 'cutover_fleet_store_up')).toBe(0);
    expect(lines.filter((l) => /cannot reach the fleet store at start/.test(String(l.msg)))).toHaveLength(1);
  });

  it('Redis down: fail static, one log line, ready; Redis back empty: the state is republished, nothing resets', async () => {
    const redis = await startRedis();
    const ups = await upstreams();
    const la = capturedLogger();
    const routes = [{ name: 'shop', match: { pathPrefix: '/shop' }, ...ups, rollout: ROLLOUT }, { name: 'web', ...ups, rollout: ROLLOUT }];
    const a = await replica(redis.url, 'a', routes, la.logger);
    await until(async () => (await fleet(a)).deciding, 'a to lead');
    const b = await replica(redis.url, 'b', routes);
    expect((await steer(b, 'web/abort')).body).toMatchObject({ phase: 'reverted', weight: 0 });

    await redis.kill();
    for (const c of [a, b]) await until(async () => (await metric(c, 'cutover_fleet_store_up')) === 0, 'store_up 0');
    // The leader stops deciding once its lease may have lapsed; nobody changes a weight meanwhile.
    await until(async () => (await metric(a, 'cutover_fleet_leader')) === 0, 'the leader to stop deciding', 5_000);
    for (const c of [a, b]) {
      expect(await route(c, 'shop')).toMatchObject({ phase: 'progressing', weight: 20 });
      expect(await route(c, 'web')).toMatchObject({ phase: 'reverted', weight: 0 });
      const ready = await request(`${c.adminUrl}/readyz`);
      expect(ready.statusCode).toBe(200);
      expect(await ready.body.text()).toMatch(/fail static/);
      expect(await send(c, 20)).toBe(0);
    }
    // Steering while blind is refused with what to do, not silently lost.
    const blind = await steer(b, 'shop/promote');
    expect(blind.status).toBe(503);
    expect(lines(la.lines, /fleet store unreachable/)).toBe(1);

    await redis.restart();
    await until(async () => (await fleet(a)).store.up && (await fleet(b)).store.up, 'both to reconnect', 10_000);
    await until(async () => (await fleet(a)).leader !== null && ((await fleet(a)).deciding || (await fleet(b)).deciding), 'a leader again', 10_000);
    // Whoever leads now republished what it held: a third replica joining the empty-again Redis gets it.
    const c = await replica(redis.url, 'c', routes);
    await until(async () => (await route(c, 'web')).phase === 'reverted' && (await route(c, 'shop')).weight === 20, 'the newcomer to apply the republished state', 10_000);
    for (const r of [a, b, c]) {
      expect(await route(r, 'shop')).toMatchObject({ phase: 'progressing', weight: 20, rollout: { step: 0 } });
      expect(await route(r, 'web')).toMatchObject({ phase: 'reverted', weight: 0 });
    }
    expect(lines(la.lines, /fleet store reachable again/)).toBe(1);
  });
});

function lines(all: Record<string, unknown>[], re: RegExp): number {
  return all.filter((l) => re.test(String(l.msg))).length;
}
