import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { FAST_ROLLOUT, getRoute } from './load.js';

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-rollout-state-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('rollout state across restarts', () => {
  it('resumes in the same phase, step and weight after a restart', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const dir = await stateDir();
    const config = testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: FAST_ROLLOUT }], { stateFile: join(dir, 'state.json') });
    const first = await startCutover(config);
    const res = await request(`${first.adminUrl}/api/v1/routes/shop/weight`, { method: 'PUT', body: JSON.stringify({ weight: 25 }) });
    expect(res.statusCode).toBe(200);
    const before = await getRoute(first.adminUrl, 'shop');
    expect(before).toMatchObject({ phase: 'paused', weight: 25 });
    await first.stop();

    const second = await startCutover(config);
    const after = await getRoute(second.adminUrl, 'shop');
    expect(after).toMatchObject({ phase: 'paused', weight: 25 });
    expect(after.rollout?.step).toBe(before.rollout?.step);
    expect(after.history).toEqual(before.history);
    expect(second.app.states.get('shop')?.weight).toBe(25);
  });

  it('starts paused at 0 % when the state file is corrupt, and keeps the bad file aside', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const dir = await stateDir();
    await writeFile(join(dir, 'state.json'), '{"version": 1, "routes": {"shop": {"phase": "promo');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: FAST_ROLLOUT }], { stateFile: join(dir, 'state.json') }));
    const route = await getRoute(cut.adminUrl, 'shop');
    expect(route).toMatchObject({ phase: 'paused', weight: 0 });
    expect(route.rollout?.reason).toMatch(/^state file unusable \(.*state\.json is not valid JSON.*\); holding at 0%/);
    expect((await readdir(dir)).some((f) => f.startsWith('state.json.corrupt-'))).toBe(true);
    for (let i = 0; i < 20; i++) expect(await (await request(cut.dataUrl + '/')).body.text()).toBe('v1');

    const resumed = await request(`${cut.adminUrl}/api/v1/routes/shop/resume`, { method: 'POST' });
    expect(resumed.statusCode).toBe(200);
    expect(await resumed.body.json()).toMatchObject({ phase: 'progressing', weight: 10 });
  });
});
