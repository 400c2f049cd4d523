/**
 * rollout.checks against a real Prometheus scraping a real exporter, with the examples of
 * docs/rollouts.md as they are written there (only the URLs and the 15 s interval are replaced).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startCutover, testConfig } from '../../helpers/servers.js';
import { freePort, startPrometheus, type TestPrometheus } from '../../helpers/prometheus.js';
import { FAST_ROLLOUT, driveLoad, getRoute, privateStateFile, startSpreadUpstream, type RouteJson } from './load.js';

const DOC = readFileSync(new URL('../../../docs/rollouts.md', import.meta.url), 'utf8');

/** The `checks:` list under `<!-- checks-example: NAME -->` in docs/rollouts.md. */
function docExample(name: string, urls: Record<string, string>): Record<string, unknown>[] {
  const m = new RegExp(`<!-- checks-example: ${name} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  if (!m) throw new Error(`docs/rollouts.md has no checks-example ${name}`);
  let text = m[1]!.replace(/interval: 15s/g, 'interval: 1s');
  for (const [from, to] of Object.entries(urls)) text = text.replaceAll(from, to);
  return (parse(text) as { checks: Record<string, unknown>[] }).checks;
}

/**
 * The exporter: counters per revision that grow at a set rate per second, the way a real
 * service's would, and a self-check JSON document.
 */
const rates = new Map<string, { checkoutFailed: number; cpu: number }>([
  ['biz-v1', { checkoutFailed: 0, cpu: 0.1 }], ['biz-v2', { checkoutFailed: 5, cpu: 0.1 }],
  ['flat-v1', { checkoutFailed: 0, cpu: 0.1 }], ['flat-v2', { checkoutFailed: 0, cpu: 0.1 }],
  ['cpu-v1', { checkoutFailed: 0, cpu: 0.1 }], ['cpu-v2', { checkoutFailed: 0, cpu: 0.2 }],
]);
let selfcheckErrors = 0;
const exporterStart = Date.now();
let exporter: Server;
let exporterUrl: string;
let prom: TestPrometheus;

beforeAll(async () => {
  exporter = createServer((req, res) => {
    if (req.url === '/internal/selfcheck') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: selfcheckErrors, checkedAt: new Date().toISOString() }));
      return;
    }
    const seconds = (Date.now() - exporterStart) / 1000;
    const lines = ['# TYPE checkout_failed_total counter', '# TYPE process_cpu_seconds_total counter'];
    for (const [revision, r] of rates) {
      lines.push(`checkout_failed_total{revision="${revision}"} ${Math.floor(r.checkoutFailed * seconds)}`);
      lines.push(`process_cpu_seconds_total{revision="${revision}"} ${(r.cpu * seconds).toFixed(3)}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
  });
  exporter.listen(0, '127.0.0.1');
  await once(exporter, 'listening');
  const port = (exporter.address() as AddressInfo).port;
  exporterUrl = `http://127.0.0.1:${port}`;
  prom = await startPrometheus([`127.0.0.1:${port}`]);
  // rate() needs two scrapes of a series.
  await prom.targetsUp();
}, 40_000);

afterAll(async () => {
  await prom?.stop();
  exporter?.closeAllConnections();
  exporter?.close();
});

async function rolloutWith(checks: Record<string, unknown>[], stableRevision: string, canaryRevision: string) {
  const stable = await startSpreadUpstream('v1');
  const canary = await startSpreadUpstream('v2');
  const config = testConfig([{
    name: 'shop', stable: [stable.url], canary: [canary.url],
    rollout: { ...FAST_ROLLOUT, steps: [50, 100], checks },
  }], { stateFile: await privateStateFile() }) as { routes: Record<string, Record<string, unknown>>[] };
  config.routes[0]!.stable!.revision = stableRevision;
  config.routes[0]!.canary!.revision = canaryRevision;
  const cut = await startCutover(config);
  return { cut, route: () => getRoute(cut.adminUrl, 'shop') };
}

async function loadUntil(cut: { dataUrl: string }, done: () => Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  await driveLoad(cut.dataUrl + '/', { until: done, concurrency: 8, deadlineMs });
}

const settled = (r: RouteJson): boolean => r.phase !== 'progressing';

describe('rollout.checks with a real Prometheus', () => {
  it('reverts a canary whose business metric goes bad while the HTTP analysis sees nothing wrong', async () => {
    const { cut, route } = await rolloutWith(docExample('bounds', { 'http://127.0.0.1:9090': prom.url }), 'biz-v1', 'biz-v2');
    await loadUntil(cut, async () => settled(await route()));
    const r = await route();
    expect(r.phase, r.rollout?.reason ?? '').toBe('reverted');
    expect(r.rollout?.reason).toMatch(/^reverted at step 1\/2 \(50%\): check checkout-failures: [\d.]+ above max 0\.01; 2 failed evaluations/);
    // The proxy saw only 200s: no built-in test rejected the canary.
    const tests = (r.rollout?.verdict as { tests: { rejected: boolean }[] } | null)?.tests ?? [];
    expect(tests.some((t) => t.rejected)).toBe(false);
    const check = (r.rollout as unknown as { checks: { name: string; failures: number; value: number; bound: string; outcome: string }[] }).checks[0]!;
    expect(check).toMatchObject({ name: 'checkout-failures', failures: 2, bound: 'max 0.01', outcome: 'fail' });
    expect(check.value).toBeGreaterThan(0.01);
    const metrics = await (await request(cut.adminUrl + '/metrics')).body.text();
    const value = /cutover_check_value\{route="shop",check="checkout-failures",version="canary"\} (\S+)/.exec(metrics)?.[1];
    expect(Number(value)).toBe(check.value);
    expect(metrics).toContain('cutover_check_failures_total{route="shop",check="checkout-failures"} 2');
  });

  it('promotes a canary whose metric stays flat', async () => {
    const { cut, route } = await rolloutWith(docExample('bounds', { 'http://127.0.0.1:9090': prom.url }), 'flat-v1', 'flat-v2');
    await loadUntil(cut, async () => settled(await route()));
    const r = await route();
    expect(r.phase, r.rollout?.reason ?? '').toBe('promoted');
    expect(r.history.map((h) => h.reason).join('\n')).toMatch(/step 1\/2 \(50%\) passed: canary within tolerance: .*; check checkout-failures passed/);
  });

  it('holds the step while the series is missing, after the analysis has passed', async () => {
    const { cut, route } = await rolloutWith(docExample('bounds', { 'http://127.0.0.1:9090': prom.url }), 'flat-v1', 'unscraped-v2');
    await loadUntil(cut, async () => /the analysis passed/.test((await route()).rollout?.verdict?.reason ?? ''));
    const r = await route();
    expect(r.phase).toBe('progressing');
    expect(r.rollout?.step).toBe(0);
    expect(r.rollout?.verdict?.outcome).toBe('pending');
    expect(r.rollout?.verdict?.reason).toMatch(/waiting for checks: checkout-failures: no data: the query returned no series/);
    expect(r.history.filter((h) => /passed/.test(h.reason))).toEqual([]);
  });

  it('compare mode reverts a canary that uses twice the CPU of stable', async () => {
    const { cut, route } = await rolloutWith(docExample('compare', { 'http://127.0.0.1:9090': prom.url }), 'cpu-v1', 'cpu-v2');
    await loadUntil(cut, async () => settled(await route()));
    const r = await route();
    expect(r.phase, r.rollout?.reason ?? '').toBe('reverted');
    expect(r.rollout?.reason).toMatch(/check cpu: canary [\d.]+ vs stable [\d.]+ \(\+\d+(\.\d+)?%\), allowed at most [\d.]+ \(tolerance 20% above stable\)/);
    const metrics = await (await request(cut.adminUrl + '/metrics')).body.text();
    expect(metrics).toMatch(/cutover_check_value\{route="shop",check="cpu",version="stable"\} 0\.\d/);
  });

  it('reverts on the http check of the docs when the self-check reports errors', async () => {
    selfcheckErrors = 3;
    const { cut, route } = await rolloutWith(docExample('http', { 'http://127.0.0.1:3002': exporterUrl }), 'flat-v1', 'flat-v2');
    await loadUntil(cut, async () => settled(await route()));
    const r = await route();
    expect(r.phase, r.rollout?.reason ?? '').toBe('reverted');
    expect(r.rollout?.reason).toMatch(/check orders-api: 3 above max 0; 1 failed evaluation of 1 \(failureLimit 1\)/);
  });

  it('treats an unreachable Prometheus as no data, never a pass', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const { cut, route } = await rolloutWith(docExample('bounds', { 'http://127.0.0.1:9090': nobody }), 'flat-v1', 'flat-v2');
    await loadUntil(cut, async () => /the analysis passed/.test((await route()).rollout?.verdict?.reason ?? ''));
    const r = await route();
    expect(r.phase).toBe('progressing');
    expect(r.rollout?.verdict?.reason).toMatch(/checkout-failures: no data: Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: connection refused/);
  });

  it('with noData: fail, an unreachable Prometheus counts as failed evaluations and reverts', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const checks = docExample('bounds', { 'http://127.0.0.1:9090': nobody }).map((c) => ({ ...c, noData: 'fail' }));
    const { cut, route } = await rolloutWith(checks, 'flat-v1', 'flat-v2');
    await loadUntil(cut, async () => settled(await route()));
    const r = await route();
    expect(r.phase).toBe('reverted');
    expect(r.rollout?.reason).toMatch(/check checkout-failures: no data: Prometheus at .*connection refused.*; 2 failed evaluations of 2 \(failureLimit 2\)/);
  });
});
