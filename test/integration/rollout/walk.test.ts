import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startCutover, testConfig } from '../../helpers/servers.js';
import { FAST_ROLLOUT, driveLoad, getRoute, privateStateFile, startSpreadUpstream } from './load.js';

describe('automated rollout with real upstreams', () => {
  it('walks a healthy canary through every step to promoted', async () => {
    const stable = await startSpreadUpstream('v1');
    const canary = await startSpreadUpstream('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: FAST_ROLLOUT }], { stateFile: await privateStateFile() }));
    expect((await getRoute(cut.adminUrl, 'shop')).phase).toBe('progressing');
    await driveLoad(cut.dataUrl + '/', { until: async () => (await getRoute(cut.adminUrl, 'shop')).phase !== 'progressing', concurrency: 16, deadlineMs: 25_000 });
    const route = await getRoute(cut.adminUrl, 'shop');
    expect(route.phase, route.rollout?.verdict?.reason).toBe('promoted');
    expect(route.weight).toBe(100);
    expect(route.history.map((h) => `${h.to}@${h.weight}`)).toEqual(['progressing@10', 'progressing@50', 'promoted@100']);
    const metrics = await (await request(cut.adminUrl + '/metrics')).body.text();
    expect(metrics).toContain('cutover_rollout_phase{route="shop",phase="promoted"} 1');
    expect(metrics).toContain('cutover_rollout_transitions_total{route="shop",phase="promoted"} 1');
  });

  it('reverts a canary that fails 30 % of requests, with the reason in the API and the metrics', async () => {
    const stable = await startSpreadUpstream('v1');
    const canary = await startSpreadUpstream('v2', 0.3);
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: FAST_ROLLOUT }], { stateFile: await privateStateFile() }));
    await driveLoad(cut.dataUrl + '/', { until: async () => (await getRoute(cut.adminUrl, 'shop')).phase !== 'progressing', concurrency: 16, deadlineMs: 20_000 });
    const route = await getRoute(cut.adminUrl, 'shop');
    expect(route.phase).toBe('reverted');
    expect(route.weight).toBe(0);
    expect(route.rollout?.reason).toMatch(/^reverted at step 1\/3 \(10%\): canary error rate/);
    expect(route.rollout?.verdict?.outcome).toBe('fail');
    const metrics = await (await request(cut.adminUrl + '/metrics')).body.text();
    expect(metrics).toContain('cutover_rollout_phase{route="shop",phase="reverted"} 1');
    expect(metrics).toMatch(/cutover_analysis_evalue\{route="shop",test="errorRate",side="revert"\} [1-9]/);
  });
});
