import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { request } from 'undici';
import { stringify } from 'yaml';
import { runCli, spawnCli } from '../helpers/cli-process.js';
import { startUpstream, testConfig } from '../helpers/servers.js';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-e2e-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function writeTemp(name: string, text: string): Promise<string> {
  const file = join(await tempDir(), name);
  await writeFile(file, text);
  return file;
}

describe('cutover (built CLI)', () => {
  it('--help lists the commands and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('cutover start');
    expect(stdout).toContain('cutover validate');
    expect(stdout).toContain('--help');
  });

  it('validate: a good config prints ok and a summary, exit 0', async () => {
    const file = await writeTemp('good.yaml', [
      'listen: 127.0.0.1:8080',
      'routes:',
      '  - name: shop',
      '    match: { host: shop.example.com, pathPrefix: / }',
      '    stable: { endpoints: [http://127.0.0.1:3001, http://127.0.0.1:3003] }',
      '    canary: { endpoints: [http://127.0.0.1:3002], revision: v2.3.0 }',
      '    weight: 2.5',
      '',
    ].join('\n'));
    const { code, stdout, stderr } = await runCli(['validate', '-c', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: /);
    expect(stdout).toContain('route shop: shop.example.com/ → stable 2 endpoint(s), canary 1 endpoint(s) rev v2.3.0, weight 2.5%');
  });

  it('validate: the example config in config/cutover.yaml is valid', async () => {
    const { code, stdout } = await runCli(['validate', '-c', 'config/cutover.yaml'], { env: { CUTOVER_ADMIN_TOKEN: '' } });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: /);
  });

  it('validate: a bad config prints every error with file:line:column and path, exit 1', async () => {
    const file = await writeTemp('bad.yaml', [
      'routes:',
      '  - name: shop',
      '    stable: { endpoints: [http://127.0.0.1:3001] }',
      '    canary:',
      '      endpoints:',
      '        - not-a-url',
      '    weight: 150',
      '    wieght: 5',
      '',
    ].join('\n'));
    const { code, stdout, stderr } = await runCli(['validate', '-c', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}:6:11 routes[0].canary.endpoints[0]: not a URL`);
    expect(stderr).toContain(`${file}:7:13 routes[0].weight: must be between 0 and 100`);
    expect(stderr).toContain(`${file}:8:5 routes[0].wieght: unknown key "wieght"`);
  });

  it('validate: a missing file says so and exits 1', async () => {
    const { code, stderr } = await runCli(['validate', '-c', join(tmpdir(), 'does-not-exist-cutover.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toContain('cannot read config');
  });

  it('an unknown command is a user error (exit 1)', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(1);
    expect(stderr).toContain('frobnicate');
  });

  it('start: serves traffic and answers /healthz, /readyz and /metrics; exits 0 on SIGTERM', async () => {
    const up = await startUpstream('v1');
    const dir = await tempDir();
    const file = join(dir, 'cutover.yaml');
    await writeFile(file, stringify(testConfig([{ name: 'shop', stable: [up.url] }], {}, dir)));
    const cli = spawnCli(['start', '-c', file]);
    const started = await cli.logLine((e) => e.msg === 'cutover started');
    const dataUrl = `http://127.0.0.1:${(started.listen as { port: number }).port}`;
    const adminUrl = `http://127.0.0.1:${(started.admin as { port: number }).port}`;

    const health = await request(adminUrl + '/healthz');
    expect(health.statusCode).toBe(200);
    expect(await health.body.text()).toBe('ok\n');
    expect((await request(adminUrl + '/readyz')).statusCode).toBe(200);
    const res = await request(dataUrl + '/');
    expect(await res.body.text()).toBe('v1');
    expect(await (await request(adminUrl + '/metrics')).body.text()).toContain('cutover_requests_total{route="shop",version="stable",code="200"} 1');

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('start: an invalid config exits 1 with the error on stderr', async () => {
    const file = await writeTemp('bad.yaml', 'routes: []\n');
    const { code, stderr } = await runCli(['start', '-c', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('routes: needs at least one route');
  });

  // Regression: EADDRNOTAVAIL (an address that is not this host's) ended in an uncaught stack trace.
  it('start: a listen address that is not this host\'s exits 1 with a message, not a stack trace', async () => {
    const dir = await tempDir();
    const file = join(dir, 'cutover.yaml');
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a host.
    await writeFile(file, stringify({ ...testConfig([{ name: 'shop', stable: ['http://127.0.0.1:1'] }], {}, dir), listen: '192.0.2.1:0' }));
    const { code, stderr } = await runCli(['start', '-c', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot listen: listen EADDRNOTAVAIL`);
    expect(stderr).toContain(`change listen or admin.listen in ${file}`);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('start: an unknown --log-level is a user error (exit 1) that lists the levels', async () => {
    const { code, stderr } = await runCli(['start', '--log-level', 'loud']);
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid values');
    expect(stderr).toContain('"warn"');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
