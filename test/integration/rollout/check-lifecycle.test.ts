/**
 * Checks run beside the step and end with it: `pause` (and likewise abort, a revert or the next
 * step, which all stop the step) aborts the query in flight; an edited checks list restarts the
 * current step's checks. Against real HTTP servers.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { FAST_ROLLOUT, driveLoad, getRoute, privateStateFile, startSpreadUpstream } from './load.js';

describe('rollout.checks are cancelled with the step', () => {
  it('pause aborts the check request in flight and the route shows the check was never evaluated', async () => {
    const hanging: IncomingMessage[] = [];
    let arrived!: () => void;
    const firstArrived = new Promise<void>((resolve) => { arrived = resolve; });
    // A self-check endpoint that never answers: the check's GET stays in flight until cancelled.
    const selfcheck = await startUpstream('selfcheck', (req) => {
      hanging.push(req);
      arrived();
    });
    const stable = await startSpreadUpstream('v1');
    const canary = await startSpreadUpstream('v2');
    const cut = await startCutover(testConfig([{
      name: 'shop', stable: [stable.url], canary: [canary.url],
      rollout: { ...FAST_ROLLOUT, checks: [{ name: 'orders-api', http: { url: `${selfcheck.url}/internal/selfcheck`, field: '$.errors', max: 0 }, interval: '30s', timeout: '30s' }] },
    }], { stateFile: await privateStateFile() }));
    await firstArrived;
    const closed = once(hanging[0]!.socket, 'close');
    const res = await request(`${cut.adminUrl}/api/v1/routes/shop/pause`, { method: 'POST' });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    await closed;
    const route = await getRoute(cut.adminUrl, 'shop');
    expect(route.phase).toBe('paused');
    const checks = (route.rollout as unknown as { checks: { name: string; evaluations: number; outcome: string | null }[] }).checks;
    expect(checks).toEqual([expect.objectContaining({ name: 'orders-api', evaluations: 0, outcome: null })]);
    expect(hanging).toHaveLength(1);
  });

  it('fixing a check that holds the step with no data takes effect on reload, without a restart', async () => {
    const selfcheck = await startUpstream('selfcheck', (req, res) => {
      req.resume();
      if (req.url !== '/internal/selfcheck') {
        res.writeHead(404).end('no such page');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errors":0}');
    });
    const stable = await startSpreadUpstream('v1');
    const canary = await startSpreadUpstream('v2');
    const config = (path: string) => testConfig([{
      name: 'shop', stable: [stable.url], canary: [canary.url],
      rollout: { ...FAST_ROLLOUT, steps: [50, 100], checks: [{ name: 'orders-api', http: { url: `${selfcheck.url}${path}`, field: '$.errors', max: 0 }, interval: '1s' }] },
    }], { stateFile: '${CUTOVER_TEST_DIR}/state.json' });
    const cut = await startCutover(config('/internal/self-check'), { watch: true });
    await driveLoad(cut.dataUrl + '/', { until: async () => /the analysis passed .*orders-api: no data: GET .* answered 404/.test((await getRoute(cut.adminUrl, 'shop')).rollout?.verdict?.reason ?? ''), deadlineMs: 15_000 });
    expect((await getRoute(cut.adminUrl, 'shop')).phase).toBe('progressing');
    await cut.writeConfig(config('/internal/selfcheck'));
    await driveLoad(cut.dataUrl + '/', { until: async () => (await getRoute(cut.adminUrl, 'shop')).phase !== 'progressing', deadlineMs: 15_000 });
    const route = await getRoute(cut.adminUrl, 'shop');
    expect(route.phase, route.rollout?.reason ?? '').toBe('promoted');
    expect(route.history.map((h) => h.reason).join('\n')).toMatch(/step 1\/2 \(50%\) passed: .*check orders-api passed/);
  });
});
