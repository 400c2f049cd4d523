import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { spawnCli } from '../helpers/cli-process.js';
import { startUpstream, testConfig } from '../helpers/servers.js';

// Regression: with stdout a pipe whose reader had gone (`cutover start | head`), SIGTERM never
// ended the process: pino's exit-time flushSync on an async sonic-boom destination retried the
// EPIPE write every 100 ms for ever.
describe('cutover start with a closed stdout', () => {
  it('still drains and exits 0 on SIGTERM', async () => {
    const upstream = await startUpstream('v1');
    const dir = await mkdtemp(join(tmpdir(), 'cutover-epipe-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'cutover.yaml');
    // warm: 0 keeps the shutdown short, which is when the bug showed: exit before the write error arrived.
    await writeFile(file, stringify(testConfig([{ name: 'a', stable: [upstream.url], upstream: { warm: 0 } }], {}, dir)));
    const cli = spawnCli(['start', '-c', file]);
    await cli.logLine((l) => l.msg === 'cutover started');
    // Close our end of the pipe: every later log line the proxy writes fails with EPIPE.
    cli.child.stdout!.destroy();
    cli.child.kill('SIGTERM');
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
