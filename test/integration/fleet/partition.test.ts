// A network partition between the leader and Redis (a real TCP relay the test cuts): the leader
// stops deciding before its lease can expire in Redis, so two replicas never decide at once; once
// healed, it follows the replica that took over.
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startRedis } from '../../helpers/redis.js';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { until } from '../../helpers/wait.js';

/** A loopback TCP relay to `port` that the test can cut (every connection reset, new ones refused) and heal. */
async function relay(port: number): Promise<{ port: number; cut(): void; heal(): void }> {
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((down) => {
    if (!open) return void down.destroy();
    const up = createConnection(port, '127.0.0.1');
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => { sockets.delete(s); (s === down ? up : down).destroy(); });
    }
    down.pipe(up).pipe(down);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  });
  return {
    port: (server.address() as AddressInfo).port,
    cut() { open = false; for (const s of sockets) s.destroy(); },
    heal() { open = true; },
  };
}

const ROLLOUT = { steps: [20, 100], minStepDuration: '60s', maxStepDuration: '10m', minSamples: 10_000 };

describe('fleet: partition between the leader and Redis', () => {
  it('the cut-off leader stops deciding before another replica can take the lease', async () => {
    const redis = await startRedis();
    const link = await relay(redis.port);
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const routes = [{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: ROLLOUT }];
    const fleet = (url: string, replica: string) => ({ fleet: { redis: url, name: 'part', replica, leaseTtl: '1s' } });
    const a = await startCutover(testConfig(routes, fleet(`redis://127.0.0.1:${link.port}/0`, 'a')));
    await until(() => a.app.fleet!.mayDecide(), 'a to lead');
    const b = await startCutover(testConfig(routes, fleet(redis.url, 'b')));
    await until(() => b.app.states.get('shop')!.weight === 20, 'b to apply the step');

    link.cut();
    // Sampled every few ms across the handover: never two deciders.
    let both = 0;
    let samples = 0;
    await until(() => {
      samples++;
      if (a.app.fleet!.mayDecide() && b.app.fleet!.mayDecide()) both++;
      return b.app.fleet!.mayDecide();
    }, 'b to take the lease', 10_000);
    expect(samples).toBeGreaterThan(10);
    expect(both).toBe(0);
    expect(a.app.fleet!.mayDecide()).toBe(false);
    // The cut-off replica keeps serving at the weight it had.
    expect(a.app.states.get('shop')!.weight).toBe(20);

    // b decides now; once healed, a follows it and applies b's decision.
    const res = await request(`${b.adminUrl}/api/v1/routes/shop/pause`, { method: 'POST' });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    link.heal();
    await until(() => a.app.states.get('shop')!.phase === 'paused', 'a to apply b\'s decision after the heal', 10_000);
    expect(a.app.fleet!.mayDecide()).toBe(false);
    // The shared state reaches a by pub/sub or poll, the holder's name by a's next lease attempt
    // (every leaseTtl/3): either may come first.
    await until(() => a.app.fleet!.leaderId === 'b', 'a to see b as the lease holder', 5_000);
    expect(a.app.fleet!.mayDecide()).toBe(false);
  });
});
