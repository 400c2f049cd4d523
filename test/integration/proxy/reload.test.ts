import { rename, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { stringify } from 'yaml';
import { startCutover, startUpstream, testConfig, type TestCutover } from '../../helpers/servers.js';
import { connectionsOf, until } from '../../helpers/wait.js';
import { PROBE_USER_AGENT } from '../../../src/upstream/probe.js';

/** The weight the data plane draws with right now. */
function servingWeight(cut: TestCutover): number | undefined {
  return cut.app.states.get('shop')?.weight;
}

async function metric(cut: TestCutover, series: string): Promise<number> {
  const text = await (await request(cut.adminUrl + '/metrics')).body.text();
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

async function get(url: string): Promise<string> {
  const res = await request(url);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text}`);
  return text;
}

async function setup(weight: number, options: { watch?: boolean } = {}) {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2');
  const config = (w: number | string) => testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: w as number }]);
  const cut = await startCutover(config(weight), { watch: options.watch ?? false });
  return { stable, canary, cut, config };
}

describe('live reload', () => {
  it('a new weight applies while requests flow, and no request fails', async () => {
    const { stable, cut, config } = await setup(0);
    const stablePool = cut.app.pools.get(stable.url);
    const outcomes: { afterReload: boolean; answer: string }[] = [];
    const failures: string[] = [];
    let reloaded = false;
    let stop = false;
    const worker = async (): Promise<void> => {
      // Bounded: stops when told to, and in any case after 500 requests.
      for (let i = 0; i < 500 && !stop; i++) {
        const afterReload = reloaded;
        try {
          outcomes.push({ afterReload, answer: await get(cut.dataUrl + '/') });
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await until(() => outcomes.length >= 100, '100 requests before the reload');
    await cut.writeConfig(config(100));
    expect(await cut.app.reload('test')).toMatchObject({ ok: true });
    // The weight takes effect once the rollout controller has persisted the change; requests flow meanwhile.
    await until(() => servingWeight(cut) === 100, 'the new weight to take effect');
    reloaded = true;
    const before = outcomes.length;
    await until(() => outcomes.length >= before + 100 || failures.length > 0, '100 requests after the reload');
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(outcomes.filter((o) => !o.afterReload).every((o) => o.answer === 'v1' || o.answer === 'v2')).toBe(true);
    expect(outcomes.filter((o) => o.afterReload).map((o) => o.answer)).toEqual(outcomes.filter((o) => o.afterReload).map(() => 'v2'));
    // The stable endpoint did not change, so its pool (and its warm connections) survived the reload.
    expect(cut.app.pools.get(stable.url)).toBe(stablePool);
    expect(stablePool!.isClosed).toBe(false);
    expect(await metric(cut, 'cutover_config_reloads_total{result="success"}')).toBe(1);
    expect(await metric(cut, 'cutover_canary_weight{route="shop"}')).toBe(100);
  });

  it.each([
    ['an out-of-range weight', (config: Record<string, unknown>) => stringify(config).replace('weight: 100', 'weight: 150')],
    ['a YAML syntax error', () => 'routes:\n  - name: shop\n    stable: { endpoints: [\n'],
    ['an unknown key', (config: Record<string, unknown>) => stringify({ ...config, listne: 'x' })],
  ])('an invalid reload (%s) changes nothing: counted as failure, the old weight keeps serving', async (_what, broken) => {
    const { cut, config } = await setup(100);
    expect(await get(cut.dataUrl + '/')).toBe('v2');
    await cut.writeConfig(broken(config(100)));
    const result = await cut.app.reload('test');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('cutover.yaml');
    expect(await metric(cut, 'cutover_config_reloads_total{result="failure"}')).toBe(1);
    expect(await metric(cut, 'cutover_config_reloads_total{result="success"}')).toBe(0);
    for (let i = 0; i < 20; i++) expect(await get(cut.dataUrl + '/')).toBe('v2');
    expect(cut.app.config.routes[0]!.weight).toBe(100);
  });

  it('the file watcher reloads after an editor-style save (write a temp file, rename it over the config)', async () => {
    const { cut, config } = await setup(0, { watch: true });
    expect(await get(cut.dataUrl + '/')).toBe('v1');
    for (const weight of [100, 0]) {
      const temp = join(cut.dir, `.cutover.yaml.${weight}.swp`);
      await writeFile(temp, stringify(config(weight)));
      await rename(temp, cut.configFile);
      await until(() => servingWeight(cut) === weight, `the watcher to apply weight ${weight}`);
      expect(await get(cut.dataUrl + '/')).toBe(weight === 100 ? 'v2' : 'v1');
    }
    // The second save proves the watch survived the first rename (a watch on the old inode would go quiet).
    await until(async () => (await metric(cut, 'cutover_config_reloads_total{result="success"}')) === 2, 'two successful reloads');
  });

  it('a request in flight keeps the route table it started with, even when its pool is retired', async () => {
    let release: (() => void) | null = null;
    const slow = await startUpstream('old', (req, res: ServerResponse) => {
      req.resume();
      // Only the client's request is held: a warm ping arriving after it must not take its place.
      if (req.headers['user-agent'] === PROBE_USER_AGENT) return void res.end('ok');
      release = () => res.end('old');
    });
    const fresh = await startUpstream('new');
    const config = (url: string) => testConfig([{ name: 'shop', stable: [url] }]);
    const cut = await startCutover(config(slow.url));
    const oldPool = cut.app.pools.get(slow.url);
    const inFlight = get(cut.dataUrl + '/');
    await until(() => release !== null, 'the slow upstream to receive the request');
    await cut.writeConfig(config(fresh.url));
    expect(await cut.app.reload('test')).toMatchObject({ ok: true });
    expect(await get(cut.dataUrl + '/')).toBe('new');
    release!();
    expect(await inFlight).toBe('old');
    // The retired pool was closed, not destroyed: it let the request finish, then let go of its connection.
    expect(oldPool!.isClosed).toBe(true);
    await until(async () => (await connectionsOf(slow.server)) === 0, 'the retired pool to close its connection');
  });
});
