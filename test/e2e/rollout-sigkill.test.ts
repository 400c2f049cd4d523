// A proxy killed mid-rollout (SIGKILL: no shutdown code runs) must resume at the same step,
// because every transition reached the state file before it took effect.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { spawnCli } from '../helpers/cli-process.js';
import { testConfig } from '../helpers/servers.js';
import { FAST_ROLLOUT, driveLoad, getRoute, startSpreadUpstream } from '../integration/rollout/load.js';

async function startChild(configFile: string) {
  const p = spawnCli(['start', '-c', configFile]);
  const started = await p.logLine((e) => e.msg === 'cutover started');
  const addr = (k: string) => `http://127.0.0.1:${(started[k] as { port: number }).port}`;
  return { p, dataUrl: addr('listen'), adminUrl: addr('admin') };
}

describe('rollout after SIGKILL', () => {
  it('resumes at the same step with the same weight', async () => {
    const stable = await startSpreadUpstream('v1');
    const canary = await startSpreadUpstream('v2');
    const dir = await mkdtemp(join(tmpdir(), 'cutover-sigkill-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const configFile = join(dir, 'cutover.yaml');
    // minStepDuration 3s: long enough to stop the load while the second step is still baking.
    await writeFile(configFile, stringify(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: { ...FAST_ROLLOUT, minStepDuration: '3s' } }],
      { stateFile: join(dir, 'state.json'), log: { level: 'info' } })));

    const first = await startChild(configFile);
    await driveLoad(first.dataUrl + '/', { until: async () => ((await getRoute(first.adminUrl, 'shop')).rollout?.step ?? 0) >= 1, concurrency: 16, deadlineMs: 15_000 });
    const before = await getRoute(first.adminUrl, 'shop');
    expect(before).toMatchObject({ phase: 'progressing', weight: 50, rollout: { step: 1 } });
    first.p.child.kill('SIGKILL');
    expect(await first.p.exited).toBe('SIGKILL');

    const second = await startChild(configFile);
    const after = await getRoute(second.adminUrl, 'shop');
    expect(after).toMatchObject({ phase: 'progressing', weight: 50, rollout: { step: 1 } });
    expect(after.history).toEqual(before.history);
    await second.p.logLine((e) => typeof e.msg === 'string' && e.msg.startsWith('resumed from the state file: progressing at step 2/3 (50%)'));
    second.p.child.kill('SIGTERM');
    expect(await second.p.exited).toBe(0);
  });
});
