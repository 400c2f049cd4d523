import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { startUpstream, testConfig } from '../../helpers/servers.js';
import { CliProcess, getFresh, getText } from './cli-process.js';

// The shadow step with workers: 2: the primary's controller switches mirroring on in both
// workers, their compared pairs and examples reach the primary's analysis, and the verdict
// reverts a canary that answers differently, while every client still gets stable's answer.
describe('the shadow step with workers: 2', () => {
  it('mirrors in every worker and reverts on the pairs they report', async () => {
    const v1 = await startUpstream('v1');
    const v2 = await startUpstream('v2');
    const dir = await mkdtemp(join(tmpdir(), 'cutover-cluster-shadow-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'cutover.yaml');
    const rollout = { steps: [10, 100], minStepDuration: '1s', minSamples: 20, shadow: { share: '100%', mismatchTolerance: '5%' } };
    await writeFile(file, stringify(testConfig([{ name: 'shop', stable: [v1.url], canary: [v2.url], rollout }], { workers: 2 }, dir)));

    const cli = new CliProcess(['start', '-c', file]);
    const started = await cli.waitFor((l) => l.msg === 'cutover started (workers)', 'the cluster to start');
    const data = `http://127.0.0.1:${(started.listen as { port: number }).port}`;
    const admin = `http://127.0.0.1:${(started.admin as { port: number }).port}`;
    await cli.waitFor(() => cli.count('worker serving') >= 2, 'both workers');
    const phase = async (): Promise<string> => (JSON.parse(await getText(`${admin}/api/v1/routes/shop`)) as { phase: string }).phase;
    expect(await phase()).toBe('shadowing');

    const bodies = new Set<string>();
    // Fresh connections alternate between the workers; bounded in count.
    for (let i = 0; i < 400 && (await phase()) === 'shadowing'; i++) {
      for (let k = 0; k < 5; k++) bodies.add((await getFresh(`${data}/items/${i}?k=${k}`)).body);
    }
    const route = JSON.parse(await getText(`${admin}/api/v1/routes/shop`)) as { phase: string; rollout: { reason: string; shadow: { mismatches: { path: string; diff: string }[] } } };
    expect(route.phase).toBe('reverted');
    expect(route.rollout.reason).toMatch(/^reverted in the shadow step: \d+ of \d+ compared answers differed .*; e\.g\. GET \/items\/\d+ \(headers\): x-upstream: "v1" → "v2"/);
    expect(route.rollout.shadow.mismatches.length).toBeGreaterThan(0);
    expect([...bodies]).toEqual(['v1']);
    const metrics = await getText(`${admin}/metrics`);
    expect(Number(/cutover_shadow_requests_total\{route="shop",result="mismatch"\} (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
    // The primary serves no requests: every copy the canary saw came from a worker, and the primary counted them.
    expect(v2.seen.filter((r) => r.url.startsWith('/items/')).length).toBeGreaterThan(0);

    cli.child.kill('SIGTERM');
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
