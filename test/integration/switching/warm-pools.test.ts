import { describe, expect, it } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { connectionsOf, until } from '../../helpers/wait.js';
import { metric, send, totalConnects } from './support.js';

describe('warm pools', () => {
  it('holds `warm` connections to the canary at weight 0, open before its first request', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 0, upstream: { warm: 3 } }]));
    // start() resolves after the warm-up: no polling needed.
    expect(cut.app.pools.get(canary.url)!.stats.connected).toBeGreaterThanOrEqual(3);
    expect(await connectionsOf(canary.server)).toBeGreaterThanOrEqual(3);
    expect(await metric(cut, 'cutover_upstream_connects_total{route="shop",version="canary"}')).toBe(3);
    expect((await send(cut.dataUrl + '/')).body).toBe('v1');
    // The warm-up and the pings are the proxy's own: no client request reached the canary.
    expect(canary.seen.every((r) => r.headers['user-agent'] === 'cutover-probe')).toBe(true);
  });

  it('re-opens warm connections the upstream closed', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 0, upstream: { warm: 2 } }]));
    const pool = cut.app.pools.get(canary.url)!;
    const before = pool.connects;
    canary.server.closeIdleConnections();
    await until(() => pool.connects >= before + 2 && pool.stats.connected >= 2, 'the warm keeper to reconnect');
    // The client side sees a connection once the handshake completes; the server accepts it a moment later.
    await until(async () => (await connectionsOf(canary.server)) >= 2, 'the upstream to accept the warm connections');
    expect(await connectionsOf(canary.server)).toBeGreaterThanOrEqual(2);
  });

  it('opens no connection across weight changes, reloads and the role swap, and no request fails', async () => {
    const v1 = await startUpstream('v1');
    const v2 = await startUpstream('v2');
    const upstream = { warm: 6 };
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [v1.url], canary: [v2.url], weight: 0, upstream }]));
    const failures: string[] = [];
    const answers = new Map<string, number>();
    let stop = false;
    // Four closed-loop clients: never more in flight than the warm count.
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 5_000 && !stop; i++) {
        try {
          const a = await send(cut.dataUrl + '/');
          if (a.status !== 200) failures.push(`${a.status} ${a.body}`);
          answers.set(a.body, (answers.get(a.body) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    const served = (): number => [...answers.values()].reduce((a, b) => a + b, 0);
    const settle = async (n: number): Promise<void> => {
      const target = served() + n;
      await until(() => served() >= target || failures.length > 0, `${n} more answers`);
    };
    await settle(50);
    const connects = totalConnects(cut);
    const state = cut.app.states.get('shop')!;
    for (const weight of [1, 10, 50, 100, 0]) {
      state.weight = weight;
      // Keeper rounds while requests flow: their pings must not push live requests onto new connections.
      cut.app.warmKeeper.tick();
      await settle(40);
    }
    state.weight = 100;
    await settle(40);
    // The role swap: the promoted canary's endpoints become stable, the old stable is the next canary.
    await cut.writeConfig(testConfig([{ name: 'shop', stable: [v2.url], canary: [v1.url], weight: 0, upstream }]));
    expect(await cut.app.reload('swap')).toMatchObject({ ok: true });
    state.weight = 0;
    await settle(60);
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(answers.get('v1')).toBeGreaterThan(0);
    expect(answers.get('v2')).toBeGreaterThan(0);
    expect(totalConnects(cut)).toBe(connects);
    expect(cut.app.pools.get(v2.url)!.isClosed).toBe(false);
  });
});
