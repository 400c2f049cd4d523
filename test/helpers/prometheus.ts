/**
 * A real Prometheus (Debian's `prometheus` binary) for tests: a free loopback port, its own temp
 * storage, a 1 s scrape interval, killed and cleaned up when the test file ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { until } from './wait.js';
import { freeLoopbackPort as freePort } from '../../src/net.js';
export { freeLoopbackPort as freePort } from '../../src/net.js';

export interface TestPrometheus {
  url: string;
  /** Resolves once every target has been scraped successfully. */
  targetsUp(deadlineMs?: number): Promise<void>;
  stop(): Promise<void>;
}


export async function startPrometheus(targets: string[]): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-prom-'));
  const port = await freePort();
  const config = [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    '  - job_name: exporter',
    `    static_configs: [{ targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}] }]`,
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-2000); });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
      try {
        const res = await request(`${url}/-/ready`);
        await res.body.dump();
        return res.statusCode === 200;
      } catch {
        return false;
      }
    }, 'prometheus to be ready', 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const targetsUp = (deadlineMs = 15_000): Promise<void> => until(async () => {
    const res = await request(`${url}/api/v1/query?query=${encodeURIComponent('min(up{job="exporter"})')}`);
    const body = (await res.body.json()) as { data?: { result?: { value: [number, string] }[] } };
    return body.data?.result?.[0]?.value[1] === '1';
  }, 'prometheus to scrape the exporter', deadlineMs);
  return { url, targetsUp, stop };
}
