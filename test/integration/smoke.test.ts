import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { clientRequests, startCutover, startUpstream, testConfig } from '../helpers/servers.js';

describe('proxy smoke', () => {
  it('forwards to stable at weight 0 and exposes metrics', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 0 }]));
    for (let i = 0; i < 20; i++) {
      const res = await request(cut.dataUrl + '/x');
      expect(await res.body.text()).toBe('v1');
    }
    // The warm keeper's probes reach the canary at weight 0; client requests must not.
    expect(clientRequests(canary)).toHaveLength(0);
    const metrics = await (await request(cut.adminUrl + '/metrics')).body.text();
    expect(metrics).toContain('cutover_requests_total{route="shop",version="stable",code="200"} 20');
  });
});
