import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { startUpstream, testConfig } from '../../helpers/servers.js';
import { CliProcess, eventually, getFresh } from './cli-process.js';

// Issue 15, item 3, with workers: the primary answers /readyz for processes that serve in its
// workers. With the only stable endpoint refusing connections it must say "unknown", not ready,
// and turn ready once the endpoint is up, like a single process does.
describe('workers: 2, /readyz on the primary while the stable endpoint has not proven itself', () => {
  it('is 503 "stable health unknown" until the endpoint accepts connections, then 200', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');

    const dir = await mkdtemp(join(tmpdir(), 'cutover-cluster-ready-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'cutover.yaml');
    await writeFile(file, stringify(testConfig([{ name: 'shop', stable: [`http://127.0.0.1:${port}`], upstream: { warm: 1 } }], { workers: 2 }, dir)));

    const cli = new CliProcess(['start', '-c', file]);
    const started = await cli.waitFor((l) => l.msg === 'cutover started (workers)', 'the cluster to start');
    const admin = `http://127.0.0.1:${(started.admin as { port: number }).port}`;
    await cli.waitFor(() => cli.count('worker serving') >= 2, 'both workers');
    const before = await getFresh(`${admin}/readyz`);
    expect(before.status).toBe(503);
    expect(before.body).toContain('route shop: stable health unknown');

    const up = await startUpstream('v1', undefined, port);
    expect(up.port).toBe(port);
    await eventually(async () => (await getFresh(`${admin}/readyz`)).status === 200, 'the primary to see the endpoint proven');
    cli.child.kill('SIGTERM');
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
