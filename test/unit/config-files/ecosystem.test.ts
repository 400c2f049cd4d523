// The files in config/ that other tools read: every metric they query must be one cutover
// exports, and every cutover config among them must pass `cutover validate`.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfigFile } from '../../../src/config/index.js';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';

const configDir = (file: string): string => fileURLToPath(new URL(`../../../config/${file}`, import.meta.url));

/** Metric names a PromQL expression reads (cutover's own; the test data plane has no process metrics). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(cutover_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

/** Names a real proxy with a rollout route exports, histograms with their _bucket/_sum/_count series. */
async function exportedMetricNames(): Promise<Set<string>> {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2');
  const cutover = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: { steps: [10, 100] } }]));
  const text = await (await fetch(`${cutover.adminUrl}/metrics`)).text();
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m[1]! + suffix);
  }
  return names;
}

describe('config/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(configDir('grafana-dashboard.json'), 'utf8')) as {
    panels: { type: string; title: string; targets?: { expr: string }[] }[];
    annotations: { list: { expr?: string }[] };
    templating: { list: { definition?: string }[] };
  };
  const exprs = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.annotations.list.flatMap((a) => (a.expr ? [a.expr] : [])),
    ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
  ];

  it('queries only metrics the proxy exports', async () => {
    const exported = await exportedMetricNames();
    const used = new Set(exprs.flatMap(metricsIn));
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('has the panels of the built-in dashboard', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const panel of ['phase', 'canary weight', 'request rate', 'error rate', 'latency', 'evidence', 'transitions']) expect(titles).toContain(panel);
  });
});

describe('config/alerts.yml and config/prometheus.yml', () => {
  it('alert on the four conditions, with only exported metrics', async () => {
    const rules = (parse(readFileSync(configDir('alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual(['CutoverCanaryReverted', 'CutoverConfigReloadFailed', 'CutoverNoHealthyStableEndpoint', 'CutoverRolloutStuck']);
    const exported = await exportedMetricNames();
    expect(rules.flatMap((r) => metricsIn(r.expr)).filter((name) => !exported.has(name))).toEqual([]);
  });

  it('scrapes /metrics and loads the alert rules', () => {
    const prometheus = parse(readFileSync(configDir('prometheus.yml'), 'utf8')) as { rule_files: string[]; scrape_configs: { job_name: string; metrics_path?: string }[] };
    expect(prometheus.rule_files).toContain('alerts.yml');
    expect(prometheus.scrape_configs.map((s) => s.job_name)).toContain('cutover');
  });
});

describe('example cutover configs pass cutover validate', () => {
  const env = { CUTOVER_ADMIN_TOKEN: 'example-token' };

  it.each(['cutover.yaml', 'edge.yaml'])('config/%s', async (file) => {
    const { config } = await loadConfigFile(configDir(file), env);
    expect(config.routes.length).toBeGreaterThan(0);
  });

  it('the ConfigMap in config/kubernetes/sidecar.yaml', async () => {
    const docs = parseAllDocuments(readFileSync(configDir('kubernetes/sidecar.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; data?: Record<string, string> });
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment', 'Service']));
    const embedded = docs.find((d) => d.kind === 'ConfigMap')!.data!['cutover.yaml']!;
    const dir = await mkdtemp(join(tmpdir(), 'cutover-k8s-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'cutover.yaml'), embedded);
    const { config } = await loadConfigFile(join(dir, 'cutover.yaml'), env);
    expect(config.admin.token).toBe('example-token');
    const deployment = readFileSync(configDir('kubernetes/sidecar.yaml'), 'utf8');
    expect(deployment).toContain('path: /healthz');
    expect(deployment).toContain('path: /readyz');
  });

  it('the fleet example in config/kubernetes/fleet.yaml: 3 replicas, a Redis, a PodDisruptionBudget, /readyz', async () => {
    const text = readFileSync(configDir('kubernetes/fleet.yaml'), 'utf8');
    const docs = parseAllDocuments(text).map((d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: { replicas?: number } });
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service']));
    expect(docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'shop-edge')?.spec?.replicas).toBe(3);
    expect(docs.some((d) => d.kind === 'Deployment' && d.metadata.name.endsWith('redis'))).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'cutover-k8s-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'cutover.yaml'), docs.find((d) => d.kind === 'ConfigMap')!.data!['cutover.yaml']!);
    const { config } = await loadConfigFile(join(dir, 'cutover.yaml'), { ...env, REDIS_URL: 'redis://redis:6379/0', HOSTNAME: 'shop-edge-0' });
    expect(config.fleet).toMatchObject({ name: 'shop-edge', replica: 'shop-edge-0', leaseTtl: 3_000 });
    expect(text).toContain('path: /readyz');
  });
});
