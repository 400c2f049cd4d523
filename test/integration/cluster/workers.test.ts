import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { startUpstream, testConfig } from '../../helpers/servers.js';
import { CliProcess, eventually, getFresh, getText, isAlive } from './cli-process.js';

// workers: 2 through the built CLI: both workers serve, /metrics and the admin API sum them,
// a weight changed in the file reaches both, a killed worker is replaced while the listener
// stays open, and SIGTERM drains everything.
describe('workers: 2', () => {
  it('serves, sums, follows a reload, survives a crash and drains', async () => {
    const v1 = await startUpstream('v1');
    const v2 = await startUpstream('v2');
    const dir = await mkdtemp(join(tmpdir(), 'cutover-cluster-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'cutover.yaml');
    const config = (weight: number) => stringify(testConfig([{ name: 'shop', stable: [v1.url], canary: [v2.url], weight }], { workers: 2 }, dir));
    await writeFile(file, config(0));

    const cli = new CliProcess(['start', '-c', file]);
    const started = await cli.waitFor((l) => l.msg === 'cutover started (workers)', 'the cluster to start');
    const data = `http://127.0.0.1:${(started.listen as { port: number }).port}`;
    const admin = `http://127.0.0.1:${(started.admin as { port: number }).port}`;
    await cli.waitFor(() => cli.count('worker serving') >= 2, 'both workers');
    const pids = cli.lines.filter((l) => l.msg === 'worker serving').map((l) => l.pid as number);
    expect(new Set(pids).size).toBe(2);
    // The primary is ready only while a worker serves.
    expect(await getText(`${admin}/readyz`)).toBe('ready\n');

    // Fresh connections alternate between the workers, so both serve these.
    for (let i = 0; i < 20; i++) expect(await getFresh(`${data}/a`)).toEqual({ status: 200, body: 'v1' });
    await eventually(async () => (await getText(`${admin}/metrics`)).includes('cutover_requests_total{route="shop",version="stable",code="200"} 20'), '/metrics to sum 20 requests over both workers');
    const view = JSON.parse(await getText(`${admin}/api/v1/routes/shop`)) as { stable: { requests: number } };
    expect(view.stable.requests).toBe(20);

    // A weight change in the file: the primary reloads, pushes the weight, and each worker reloads too.
    const reloadsBefore = cli.count('config reloaded');
    await writeFile(file, config(100));
    cli.child.kill('SIGHUP');
    await cli.waitFor(() => cli.count('config reloaded') >= reloadsBefore + 3, 'the primary and both workers to reload');
    await eventually(async () => (await getFresh(`${data}/b`)).body === 'v2', 'the first canary answer');
    for (let i = 0; i < 20; i++) expect((await getFresh(`${data}/c`)).body).toBe('v2');

    const canaryCount = async (): Promise<number> => Number(/cutover_requests_total\{route="shop",version="canary",code="200"\} (\d+)/.exec(await getText(`${admin}/metrics`))?.[1] ?? -1);
    await eventually(async () => (await canaryCount()) >= 21, 'both workers to report the canary requests');
    const beforeCrash = await canaryCount();

    // A crashed worker is replaced; the other keeps serving on the same socket meanwhile.
    const servingBefore = cli.count('worker serving');
    process.kill(pids[0]!, 'SIGKILL');
    await cli.waitFor((l) => l.msg === 'worker exited; replacing it', 'the crash to be noticed');
    for (let i = 0; i < 10; i++) expect((await getFresh(`${data}/d`)).status).toBe(200);
    await cli.waitFor(() => cli.count('worker serving') > servingBefore, 'a replacement worker');
    for (let i = 0; i < 10; i++) expect((await getFresh(`${data}/e`)).status).toBe(200);
    // The dead worker's reported counts stay in the sum: the counter never goes backwards.
    await eventually(async () => (await canaryCount()) >= beforeCrash + 20, 'the canary count to keep the dead worker\'s requests and add the new ones');

    const allPids = cli.lines.filter((l) => l.msg === 'worker serving').map((l) => l.pid as number);
    cli.child.kill('SIGTERM');
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    for (const pid of allPids) expect(isAlive(pid)).toBe(false);
  });
});

// In this file rather than its own, so the two cluster tests never start their clusters at once on a busy machine.
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
    const started = await cli.waitFor((l) => l.msg === 'cutover started (workers)', 'the cluster to start', 20_000);
    const data = `http://127.0.0.1:${(started.listen as { port: number }).port}`;
    const admin = `http://127.0.0.1:${(started.admin as { port: number }).port}`;
    await cli.waitFor(() => cli.count('worker serving') >= 2, 'both workers', 20_000);
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
