import { once } from 'node:events';
import { createServer } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { until } from '../../helpers/wait.js';
import { freePort, metric, send, tallyAnalysis } from './support.js';

interface EndpointJson { origin: string; healthy: boolean; ejected: boolean; ejectedForMs: number }
async function canaryEndpoints(adminUrl: string): Promise<EndpointJson[]> {
  return (JSON.parse((await send(adminUrl + '/api/v1/routes/shop')).body) as { canary: { endpoints: EndpointJson[] } }).canary.endpoints;
}

/** An upstream whose health endpoint answers what `health.status` says. */
async function upstreamWithHealth(name: string) {
  const health = { status: 200 };
  const up = await startUpstream(name, (req, res) => {
    req.resume();
    res.writeHead(req.url === '/healthz' ? health.status : 200);
    res.end(name);
  });
  return { ...up, health };
}

describe('passive ejection', () => {
  it('ejects a canary after N refused connects; its share then goes to stable, counted as canary failures', async () => {
    const stable = await startUpstream('v1');
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [deadUrl], weight: 100, upstream: { warm: 0, ejection: { connectFailures: 2, baseTime: '1m' } } }]));
    const tally = tallyAnalysis(cut.app.states.get('shop')!);
    for (let i = 0; i < 10; i++) expect(await send(cut.dataUrl + '/')).toMatchObject({ status: 200, body: 'v1' });
    // Two connect attempts, retried; after that the canary is out of the draw and never dialled.
    expect(await metric(cut, 'cutover_upstream_errors_total{route="shop",version="canary",kind="connect"}')).toBe(2);
    expect(await metric(cut, 'cutover_retries_total{route="shop",reason="canary-failed"}')).toBe(2);
    expect(tally().canary).toMatchObject({ requests: 10, failures: 10 });
    const [endpoint] = await canaryEndpoints(cut.adminUrl);
    expect(endpoint).toMatchObject({ origin: deadUrl, healthy: true, ejected: true });
    expect(endpoint!.ejectedForMs).toBeGreaterThan(50_000);
    // Ready (stable is fine), and /readyz names the ejected endpoint.
    const ready = await send(cut.adminUrl + '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toContain(`route shop canary ${deadUrl}: ejected`);
  });

  it('comes back when the endpoint does, after a backoff that grew while it kept failing', async () => {
    const stable = await startUpstream('v1');
    const port = await freePort();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [`http://127.0.0.1:${port}`], weight: 100, upstream: { warm: 0, ejection: { connectFailures: 1, baseTime: '100ms', maxTime: '400ms' } } }]));
    const pool = cut.app.pools.get(`http://127.0.0.1:${port}`)!;
    await send(cut.dataUrl + '/');
    expect(pool.ejection.ejections).toBe(1);
    // Keep knocking: each failed probe after an ejection doubles the next one.
    await until(async () => {
      await send(cut.dataUrl + '/');
      return pool.ejection.ejections >= 3;
    }, 'two more ejections');
    expect(pool.ejection.backoffMs(pool.ejection.ejections - 1)).toBe(400);

    const canary = createServer((req, res) => {
      req.resume();
      res.end('v2');
    });
    canary.listen(port, '127.0.0.1');
    await once(canary, 'listening');
    onTestFinished(async () => {
      canary.closeAllConnections();
      canary.close();
      await once(canary, 'close');
    });
    await until(async () => (await send(cut.dataUrl + '/')).body === 'v2', 'the canary to be back in the draw');
    expect(pool.ejection.ejections).toBe(0);
    expect((await canaryEndpoints(cut.adminUrl))[0]).toMatchObject({ healthy: true, ejected: false });
  });
});

describe('active health checks', () => {
  const healthCheck = { path: '/healthz', interval: '50ms', timeout: '40ms', unhealthyThreshold: 2, healthyThreshold: 2 };

  it('a failing canary is taken out (share to stable, a canary failure), and put back when it passes again', async () => {
    const stable = await startUpstream('v1');
    const canary = await upstreamWithHealth('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 100, upstream: { healthCheck } }]));
    const pool = cut.app.pools.get(canary.url)!;
    expect((await send(cut.dataUrl + '/')).body).toBe('v2');
    canary.health.status = 503;
    await until(() => !pool.healthy, 'the canary to fail its checks');
    const tally = tallyAnalysis(cut.app.states.get('shop')!);
    expect((await send(cut.dataUrl + '/')).body).toBe('v1');
    expect(tally().canary).toMatchObject({ requests: 1, failures: 1 });
    expect((await canaryEndpoints(cut.adminUrl))[0]).toMatchObject({ healthy: false });
    expect((await send(cut.adminUrl + '/readyz')).body).toContain('failing health checks');
    canary.health.status = 200;
    await until(() => pool.healthy, 'the canary to pass again');
    expect((await send(cut.dataUrl + '/')).body).toBe('v2');
  });

  it('a stable version with no healthy endpoint answers 503 and is not ready', async () => {
    const stable = await upstreamWithHealth('v1');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], upstream: { healthCheck } }]));
    stable.health.status = 500;
    await until(() => !cut.app.pools.get(stable.url)!.healthy, 'stable to fail its checks');
    expect((await send(cut.dataUrl + '/')).status).toBe(503);
    const ready = await send(cut.adminUrl + '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toContain('no healthy stable endpoint');
    stable.health.status = 200;
    await until(() => cut.app.pools.get(stable.url)!.healthy, 'stable to pass again');
    expect((await send(cut.adminUrl + '/readyz')).status).toBe(200);
  });
});
