import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { seededRandom } from '../../../src/routing/traffic-split.js';
import { clientRequests, startCutover, startUpstream, testConfig } from '../../helpers/servers.js';

const N = 600;
const CONCURRENCY = 20;

/** Sends N requests, CONCURRENCY at a time, and counts the answers by upstream name. */
async function countAnswers(url: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let sent = 0; sent < N; sent += CONCURRENCY) {
    const batch = await Promise.all(Array.from({ length: Math.min(CONCURRENCY, N - sent) }, async () => {
      const res = await request(url);
      expect(res.statusCode).toBe(200);
      return res.body.text();
    }));
    for (const name of batch) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

describe('traffic split through the proxy', () => {
  it.each([0, 30, 100])('at weight %d the canary share is within the binomial 5-sigma band', async (weight) => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight }]), { random: seededRandom(weight + 1) });
    const counts = await countAnswers(cut.dataUrl + '/');
    const canaryCount = counts.get('v2') ?? 0;
    expect(canaryCount + (counts.get('v1') ?? 0)).toBe(N);
    const p = weight / 100;
    expect(Math.abs(canaryCount - N * p)).toBeLessThanOrEqual(5 * Math.sqrt(N * p * (1 - p)));

    // The metrics agree with what the upstreams saw.
    const metrics = await (await request(cut.adminUrl + '/metrics')).body.text();
    expect(metrics).toContain(`cutover_canary_weight{route="shop"} ${weight}`);
    if (canaryCount > 0) expect(metrics).toContain(`cutover_requests_total{route="shop",version="canary",code="200"} ${canaryCount}`);
    if (canaryCount < N) expect(metrics).toContain(`cutover_requests_total{route="shop",version="stable",code="200"} ${N - canaryCount}`);
    expect(clientRequests(canary).length).toBe(canaryCount);

    const routes = await (await request(cut.adminUrl + '/api/v1/routes')).body.json() as { routes: { name: string; weight: number; stable: { requests: number }; canary: { requests: number } }[] };
    expect(routes.routes[0]).toMatchObject({ name: 'shop', weight, stable: { requests: N - canaryCount }, canary: { requests: canaryCount } });
  });

  it('a decimal weight (0.5 %) sends a few requests, not none', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    // Seeded so the outcome is fixed: at 0.5 % over 600 draws the expected count is 3.
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 0.5 }]), { random: seededRandom(5) });
    const counts = await countAnswers(cut.dataUrl + '/');
    const canaryCount = counts.get('v2') ?? 0;
    expect(Math.abs(canaryCount - N * 0.005)).toBeLessThanOrEqual(5 * Math.sqrt(N * 0.005 * 0.995));
  });
});
