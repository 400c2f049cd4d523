import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { eventually } from '../hardening/raw-http.js';
import { freeLoopbackPort as deadPort } from '../../../src/net.js';
import { startCutover, startUpstream, testConfig, type TestCutover } from '../../helpers/servers.js';

// Issue 15, item 3: started with its only stable endpoint refusing connections,
// /readyz answered 200 while every request got 502: an endpoint nobody had reached
// was counted healthy. Until its warm connections opened or its first health check
// passed, the stable's health is unknown and /readyz is 503 with that reason.

async function readyz(cut: TestCutover): Promise<{ status: number; body: string }> {
  const res = await request(`${cut.adminUrl}/readyz`);
  return { status: res.statusCode, body: await res.body.text() };
}

async function endpointHealth(cut: TestCutover, version: 'stable' | 'canary'): Promise<string[]> {
  const res = await request(`${cut.adminUrl}/api/v1/routes/shop`);
  const view = (await res.body.json()) as Record<string, { endpoints: { health: string }[] }>;
  return view[version]!.endpoints.map((e) => e.health);
}

describe('/readyz is 503 "unknown" until a stable endpoint has proven itself', () => {
  it('warm connections: not ready while the only stable endpoint refuses them, ready once they open', async () => {
    const port = await deadPort();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [`http://127.0.0.1:${port}`], upstream: { warm: 1 } }]));
    const first = await readyz(cut);
    expect(first.status).toBe(503);
    expect(first.body).toContain('route shop: stable health unknown');
    expect(first.body).toContain(`route shop stable http://127.0.0.1:${port}: health unknown`);
    expect(await endpointHealth(cut, 'stable')).toEqual(['unknown']);
    // The warm keeper keeps trying; the first connection it opens proves the endpoint.
    const up = await startUpstream('v1', undefined, port);
    expect(up.port).toBe(port);
    expect(await eventually(() => cut.app.readiness().ready, 5_000)).toBe(true);
    expect((await readyz(cut)).status).toBe(200);
    expect(await endpointHealth(cut, 'stable')).toEqual(['healthy']);
  });

  it('health checks: unknown until the first one passes', async () => {
    let pass = false;
    const up = await startUpstream('v1', (req, res) => {
      res.statusCode = req.url === '/healthz' && !pass ? 500 : 200;
      res.end('v1');
    });
    const cut = await startCutover(testConfig([{
      name: 'shop', stable: [up.url],
      upstream: { warm: 0, healthCheck: { path: '/healthz', interval: '100ms', timeout: '100ms', unhealthyThreshold: 1000, healthyThreshold: 1 } },
    }]));
    // Failing checks below the threshold leave it unknown: not ready, not yet unhealthy.
    expect(await eventually(() => up.seen.filter((r) => r.url === '/healthz').length >= 2)).toBe(true);
    expect(await readyz(cut)).toMatchObject({ status: 503 });
    expect((await readyz(cut)).body).toContain('stable health unknown');
    pass = true;
    expect(await eventually(() => cut.app.readiness().ready)).toBe(true);
    expect(await endpointHealth(cut, 'stable')).toEqual(['healthy']);
  });

  it('a canary that has not proven itself never blocks readiness; it is only noted', async () => {
    const v1 = await startUpstream('v1');
    const port = await deadPort();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [v1.url], canary: [`http://127.0.0.1:${port}`], upstream: { warm: 1 } }]));
    const ready = await readyz(cut);
    expect(ready.status).toBe(200);
    expect(ready.body).toContain(`route shop canary http://127.0.0.1:${port}: health unknown`);
    expect(await endpointHealth(cut, 'stable')).toEqual(['healthy']);
    expect(await endpointHealth(cut, 'canary')).toEqual(['unknown']);
  });

  it('a reload to a new stable endpoint checks it at once, not an interval later', async () => {
    const v1 = await startUpstream('v1');
    const v2 = await startUpstream('v2');
    const route = (url: string) => ({ name: 'shop', stable: [url], upstream: { warm: 0, healthCheck: { path: '/healthz', interval: '1m', timeout: '1s' } } });
    const cut = await startCutover(testConfig([route(v1.url)]));
    expect(await eventually(() => cut.app.readiness().ready)).toBe(true);
    await cut.writeConfig(testConfig([route(v2.url)]));
    expect((await cut.app.reload('test')).ok).toBe(true);
    // With a one-minute interval, only a check run by the reload itself can prove v2 this soon.
    expect(await eventually(() => cut.app.readiness().ready)).toBe(true);
    expect(await endpointHealth(cut, 'stable')).toEqual(['healthy']);
  });
});
