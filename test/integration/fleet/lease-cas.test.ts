// The lease and the fenced compare-and-set against a real redis-server: a deposed leader's write
// never lands, and a Redis restarted empty never hands out an old fence again.
import { describe, expect, it } from 'vitest';
import { fleetKeys } from '../../../src/fleet/keys.js';
import { LeaderLease } from '../../../src/fleet/lease.js';
import { FleetRedis } from '../../../src/fleet/redis-store.js';
import { startRedis } from '../../helpers/redis.js';
import { until } from '../../helpers/wait.js';

const TTL_MS = 400;

async function client(url: string): Promise<FleetRedis> {
  const r = new FleetRedis(url, fleetKeys('lease-test'));
  r.client.on('error', () => {});
  r.subscriber.on('error', () => {});
  expect(await r.connect(2_000)).toBe(true);
  return r;
}

describe('fleet lease and compare-and-set (real redis-server)', () => {
  it('grants one holder, refuses a deposed leader\'s write after another took over', async () => {
    const redis = await startRedis();
    const a = await client(redis.url);
    const b = await client(redis.url);
    try {
      const la = new LeaderLease('a', TTL_MS);
      const lb = new LeaderLease('b', TTL_MS);
      const [ga, fa] = await a.lease('a', TTL_MS, 0);
      expect(ga).toBe(1);
      la.granted(performance.now(), fa, performance.now());
      const [gb, , holder] = await b.lease('b', TTL_MS, 0);
      expect(gb).toBe(0);
      expect(holder).toBe('a');
      expect(await a.casState(la.token(), 'shop', '{"v":1}')).toBe(true);

      // a stops renewing (a partition); its lease expires in Redis and b takes a new term.
      let fb = 0;
      await until(async () => {
        const [g, f] = await b.lease('b', TTL_MS, 0);
        fb = f;
        return g === 1;
      }, 'b to take the lease', 5_000);
      expect(fb).toBeGreaterThan(fa);
      lb.granted(performance.now(), fb, performance.now());
      expect(await b.casState(lb.token(), 'shop', '{"v":2}')).toBe(true);
      // The deposed leader still believes its old token: the fence check refuses it.
      expect(await a.casState(la.token(), 'shop', '{"v":"stale"}')).toBe(false);
      expect(await a.readStates()).toEqual({ shop: '{"v":2}' });
      // Renewing is only for the holder.
      expect((await a.lease('a', TTL_MS, la.highestFence))[0]).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('never reuses a fence after Redis restarts empty', async () => {
    const redis = await startRedis();
    let a = await client(redis.url);
    const first = await a.lease('a', TTL_MS, 0);
    const second = await a.lease('a', TTL_MS, 0);
    expect(second[1]).toBe(first[1]);
    await a.close();
    await redis.restart();
    a = await client(redis.url);
    try {
      expect(await a.readStates()).toEqual({});
      // The replica passes the highest fence it has seen; the new term is above it.
      const [g, f] = await a.lease('a', TTL_MS, first[1]);
      expect(g).toBe(1);
      expect(f).toBe(first[1] + 1);
    } finally {
      await a.close();
    }
  });
});
