// Regression: with `workers: 2` and no sticky.secret, each worker signed cookies with its own
// random key, so one client on fresh connections got a new cookie from every other worker and
// flipped between stable and canary (20 of 40 answers re-assigned it). The primary now hands one
// key to its workers, and fleet replicas share one from the store.
import { get } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { spawnCli } from '../helpers/cli-process.js';
import { startRedis } from '../helpers/redis.js';
import { startUpstream, testConfig } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

/** One request on a fresh TCP connection (no keep-alive agent), as a client behind a load balancer sees it. */
function fresh(url: string, cookie?: string): Promise<{ body: string; setCookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ body, setCookie: res.headers['set-cookie']?.[0] }));
    });
    req.on('error', reject);
  });
}

async function start(dir: string, name: string, extra: Record<string, unknown>, stable: string, canary: string) {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, stringify(testConfig([{ name: 'shop', stable: [stable], canary: [canary], weight: 50, sticky: { cookie: 'cutover-shop' } }], {
    stateFile: join(dir, `${name}-state.json`), log: { level: 'info' }, ...extra,
  })));
  const p = spawnCli(['start', '-c', file]);
  // With workers the admin port is in the primary's line and the data-plane port in a worker's.
  const port = (e: Record<string, unknown>, k: string): number => (e[k] as { port?: number } | undefined)?.port ?? 0;
  const started = (k: string) => p.logLine((e) => typeof e.msg === 'string' && e.msg.startsWith('cutover started') && port(e, k) > 0).then((e) => port(e, k));
  return { p, dataUrl: `http://127.0.0.1:${await started('listen')}/`, adminUrl: `http://127.0.0.1:${await started('admin')}` };
}

async function keepsVersion(first: { body: string; setCookie: string | undefined }, urls: string[], n: number): Promise<void> {
  expect(first.setCookie).toMatch(/^cutover-shop=\d+\./);
  const cookie = first.setCookie!.split(';')[0]!;
  let reassigned = 0;
  const versions = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await fresh(urls[i % urls.length]!, cookie);
    if (r.setCookie) reassigned++;
    versions.add(r.body);
  }
  expect(reassigned).toBe(0);
  expect([...versions]).toEqual([first.body]);
}

describe('sticky cookie across processes', () => {
  it('workers: 2 without sticky.secret: one client on 40 fresh connections keeps its cookie and version', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const dir = await mkdtemp(join(tmpdir(), 'cutover-sticky-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const c = await start(dir, 'workers', { workers: 2 }, stable.url, canary.url);
    await until(async () => (await fetch(`${c.adminUrl}/readyz`)).status === 200, 'workers to serve');
    await keepsVersion(await fresh(c.dataUrl), [c.dataUrl], 40);
    c.p.child.kill('SIGTERM');
    expect(await c.p.exited).toBe(0);
  }, 60_000);

  it('fleet replicas without sticky.secret share one key from the store', async () => {
    const redis = await startRedis();
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const dir = await mkdtemp(join(tmpdir(), 'cutover-sticky-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const fleet = (replica: string) => ({ fleet: { redis: redis.url, name: 'sticky', replica, leaseTtl: '1s' } });
    const a = await start(dir, 'a', fleet('a'), stable.url, canary.url);
    const b = await start(dir, 'b', fleet('b'), stable.url, canary.url);
    await keepsVersion(await fresh(a.dataUrl), [b.dataUrl, a.dataUrl], 20);
    for (const r of [a, b]) r.p.child.kill('SIGTERM');
    for (const r of [a, b]) expect(await r.p.exited).toBe(0);
  }, 60_000);
});
