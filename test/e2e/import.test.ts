/**
 * `cutover import` on manifests written in the form Flagger, Argo Rollouts and ingress-nginx
 * document (test/fixtures/import/), through the real CLI; the YAML it prints must pass the real
 * `cutover validate`, and what it cannot carry over must be on stderr.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli-process.js';

interface ImportedCheck { name: string; prometheus?: { query: string }; [key: string]: unknown }
interface ImportedRoute { match?: unknown; stable: { endpoints: string[] }; rollout: { steps: number[]; minStepDuration?: string; checks: ImportedCheck[] } }

async function importAndValidate(kind: string, path: string): Promise<{ config: Record<string, unknown>; stderr: string; validated: string }> {
  const imported = await runCli(['import', kind, path]);
  expect(imported.code, imported.stderr).toBe(0);
  const dir = await mkdtemp(join(tmpdir(), 'cutover-import-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'cutover.yaml');
  await writeFile(file, imported.stdout);
  const validated = await runCli(['validate', '-c', file], { env: { STABLE_POD_TEMPLATE_HASH: '', CANARY_POD_TEMPLATE_HASH: '' } });
  expect(validated.code, validated.stderr).toBe(0);
  expect(validated.stdout).toMatch(/^ok: /);
  return { config: parse(imported.stdout) as Record<string, unknown>, stderr: imported.stderr, validated: validated.stdout };
}

describe('cutover import', () => {
  it('flagger: a Canary with its MetricTemplates becomes a rollout with Prometheus checks that validates', async () => {
    const { config, stderr, validated } = await importAndValidate('flagger', 'test/fixtures/import/flagger');
    expect(validated).toContain('route checkout: */ → stable 1 endpoint(s), canary 1 endpoint(s), rollout steps 10,20,30,40,50%');
    const route = (config.routes as ImportedRoute[])[0]!;
    expect(route.stable.endpoints).toEqual(['http://checkout-primary.shop:8080']);
    expect(route.rollout.checks.map((c) => c.name)).toEqual(['checkout-failures', 'queue-depth']);
    expect(route.rollout.checks[0]!.prometheus?.query).toBe('sum(rate(checkout_failed_total{namespace="shop", app="checkout"}[2m]))');
    expect(stderr).toMatch(/not carried over \(\d+\):/);
    expect(stderr).toMatch(/spec\.analysis\.webhooks: Flagger webhooks/);
    expect(stderr).toMatch(/MetricTemplate shop\/apdex-datadog .* provider datadog/);
    expect(stderr).toMatch(/request-duration max 500 ms is an absolute P99 bound/);
  });

  it('argo: a Rollout with AnalysisTemplates (Prometheus and web) becomes a rollout with checks that validates', async () => {
    const { config, stderr } = await importAndValidate('argo', 'test/fixtures/import/argo');
    const route = (config.routes as ImportedRoute[])[0]!;
    // The stableIngress in the same directory gives the route its host and path.
    expect(route.match).toEqual({ host: 'orders.example.com', pathPrefix: '/api' });
    expect(route.rollout.steps).toEqual([5, 20, 50]);
    expect(route.rollout.minStepDuration).toBe('300s');
    const byName = Object.fromEntries(route.rollout.checks.map((c) => [c.name, c]));
    expect(byName['success-rate']).toMatchObject({ min: 0.95, failureLimit: 3 });
    expect(byName['p95-latency']!.prometheus?.query).toContain('rollouts_pod_template_hash="{{canary.revision}}"');
    expect(byName.selfcheck).toMatchObject({ http: { url: 'http://orders-canary.shop:3000/internal/selfcheck', field: '$.status.healthy' }, min: 1, max: 1 });
    expect(stderr).toMatch(/steps\[6\]\.pause: an indefinite pause waits for a person/);
    expect(stderr).toMatch(/args api-token have no value cutover can know/);
    expect(stderr).toMatch(/"len\(result\) == 0 \|\| result\[0\] < 1" is not a single comparison/);
  });

  it('ingress-nginx: a canary Ingress pair becomes a weighted route with the override header and sticky cookie that validates', async () => {
    const { config, stderr } = await importAndValidate('ingress-nginx', 'test/fixtures/import/ingress-nginx/ingresses.yaml');
    expect(config.routes).toEqual([{
      name: 'storefront', match: { host: 'shop.example.com', pathPrefix: '/' },
      stable: { endpoints: ['http://storefront-v1.shop:80'] }, canary: { endpoints: ['http://storefront-v2.shop:80'] },
      weight: 15, override: { header: 'x-shop-canary' }, sticky: { cookie: 'shop_canary' },
    }]);
    expect(stderr).toMatch(/canary-by-header-value: cutover's override header takes the values "canary" and "stable"/);
    expect(stderr).toMatch(/spec\.tls: cutover terminates TLS from certificate files/);
  });

  it('says what is missing and exits 1 when the input has nothing to import', async () => {
    const wrong = await runCli(['import', 'argo', 'test/fixtures/import/flagger']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/no Argo Rollout \(apiVersion argoproj.io\/v1alpha1, kind Rollout\) found/);
    const missing = await runCli(['import', 'flagger', 'test/fixtures/import/nope.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read test\/fixtures\/import\/nope.yaml/);
  });
});
