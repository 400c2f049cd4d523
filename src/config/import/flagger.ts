/**
 * `cutover import flagger`: a Flagger Canary (flagger.app/v1beta1) and its MetricTemplates
 * become a route with a rollout block. Flagger addresses the two versions through the Services it
 * generates, `<target>-primary` (stable) and `<target>-canary`; its step weights and interval
 * become steps and minStepDuration; Prometheus MetricTemplates become rollout.checks.
 */
import { matchOfIngress } from './ingress-nginx.js';
import { describeManifest, ImportError, isObject, type Manifest } from './manifests.js';
import { asNumber, baseConfig, omitUnread, durationMs, field, omitRest, routeName, serviceOrigin, toDuration, type Omission, type Translation } from './translation.js';

/** Flagger's own default for -metrics-server. */
const FLAGGER_DEFAULT_PROMETHEUS = 'http://prometheus:9090';
const DEFAULT_MAX_WEIGHT = 50;

const SPEC_WHYS: Record<string, string> = {
  provider: 'cutover is the traffic router itself; put it in front of the two Services instead of the mesh or ingress',
  ingressRef: 'cutover is the traffic router itself; point the Ingress at cutover',
  routeRef: 'cutover is the traffic router itself; point the Gateway route at cutover',
  upstreamRef: 'cutover is the traffic router itself',
  autoscalerRef: 'scaling stays with Kubernetes: cutover shifts traffic, it does not scale the Deployments',
  progressDeadlineSeconds: 'cutover has no deployment deadline; a step that cannot decide holds after maxStepDuration',
  skipAnalysis: 'no equivalent: use `cutover promote ROUTE` to skip the analysis',
  revertOnDeletion: 'cutover does not manage Kubernetes objects',
  suspend: 'use `cutover pause ROUTE`',
};

const ANALYSIS_WHYS: Record<string, string> = {
  webhooks: 'Flagger webhooks POST its payload to a load tester or gate; cutover gates are GET + expected status or a command: rewrite them as rollout.gates',
  alerts: 'cutover POSTs its own JSON event on every phase change (rollout.notify), not Flagger alert providers',
  iterations: 'A/B and blue-green iterations have no equivalent: cutover always shifts a weighted share',
  match: 'A/B header or cookie matches have no equivalent; the override header (routes[].override) forces one version per request',
  mirror: 'traffic mirroring is not carried over',
  mirrorWeight: 'traffic mirroring is not carried over',
  primaryReadyThreshold: 'readiness of the primary pods is Kubernetes\' business; cutover checks its endpoints with upstream.healthCheck',
  canaryReadyThreshold: 'readiness of the canary pods is Kubernetes\' business; cutover checks its endpoints with upstream.healthCheck',
  stepWeightPromotion: 'cutover promotes in one move once the last step passed',
};

export function importFlagger(manifests: readonly Manifest[], source: string): Translation {
  const canaries = manifests.filter((m) => m.apiVersion.startsWith('flagger.app/') && m.kind === 'Canary');
  if (canaries.length === 0) throw new ImportError(`${source}: no Flagger Canary (apiVersion flagger.app/v1beta1, kind Canary) found; pass the file or directory that holds it`);
  const templates = new Map(manifests.filter((m) => m.apiVersion.startsWith('flagger.app/') && m.kind === 'MetricTemplate').map((m) => [m.name, m]));
  const omitted: Omission[] = [];
  const notes: Omission[] = [];
  const routes = canaries.map((c) => {
    const route = canaryRoute(c, templates, omitted, notes);
    const ingress = field(c.doc, 'spec', 'ingressRef', 'name');
    const match = route.match === undefined ? matchOfIngress(manifests, ingress) : undefined;
    if (!match) return route;
    const { name, ...rest } = route;
    notes.push({ where: `Canary ${c.name} spec.ingressRef`, why: `match taken from Ingress ${String(ingress)}: point that Ingress at cutover` });
    return { name, match, ...rest };
  });
  const ingresses = new Set(canaries.map((c) => field(c.doc, 'spec', 'ingressRef', 'name')));
  omitUnread(manifests, (m) => canaries.includes(m) || templates.get(m.name) === m || (m.kind === 'Ingress' && ingresses.has(m.name)), 'flagger', omitted);
  return { config: baseConfig(routes), omitted, notes };
}

function canaryRoute(c: Manifest, templates: Map<string, Manifest>, omitted: Omission[], notes: Omission[]): Record<string, unknown> {
  const who = `Canary ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
  const spec = field(c.doc, 'spec');
  const target = String(field(spec, 'targetRef', 'name') ?? c.name);
  let port = asNumber(field(spec, 'service', 'port'));
  if (port === undefined) {
    port = 80;
    notes.push({ where: `${who} spec.service.port`, why: 'missing: assumed port 80 for the -primary and -canary Services' });
  }
  const route: Record<string, unknown> = {
    name: routeName(c.name),
    stable: { endpoints: [serviceOrigin(`${target}-primary`, c.namespace, port)] },
    canary: { endpoints: [serviceOrigin(`${target}-canary`, c.namespace, port)] },
  };
  notes.push({ where: `${who} spec.targetRef`, why: `stable is the Service ${target}-primary and canary ${target}-canary that Flagger generates; set canary.revision to restart the rollout on a new version` });
  const hosts = field(spec, 'service', 'hosts');
  if (Array.isArray(hosts) && typeof hosts[0] === 'string' && hosts[0] !== '*') {
    route.match = { host: hosts[0] };
    if (hosts.length > 1) omitted.push({ where: `${who} spec.service.hosts[1..]`, why: 'a cutover route matches one host; copy the route for each other host' });
  }
  omitRest(field(spec, 'service'), ['port', 'hosts', 'targetPort', 'name', 'portName'], (k) => `${who} spec.service.${k}`, {}, 'mesh and gateway settings of the Service have no equivalent in cutover', omitted);
  omitRest(spec, ['targetRef', 'service', 'analysis'], (k) => `${who} spec.${k}`, SPEC_WHYS, 'no equivalent in cutover', omitted);

  const analysis = field(spec, 'analysis');
  const rollout: Record<string, unknown> = { steps: stepsOf(analysis, who, notes) };
  const interval = toDuration(field(analysis, 'interval'));
  if (interval) {
    rollout.minStepDuration = interval;
    // The analysis must be able to finish within the step: at least ten intervals.
    if (durationMs(interval) * 10 > 600_000) rollout.maxStepDuration = `${(durationMs(interval) * 10) / 1000}s`;
  }
  const threshold = asNumber(field(analysis, 'threshold'));
  if (threshold !== undefined) notes.push({ where: `${who} spec.analysis.threshold`, why: `became each check's failureLimit ${Math.max(1, Math.round(threshold))}: Flagger counts failed checks across the analysis, cutover per check and per step` });
  const affinity = field(analysis, 'sessionAffinity');
  if (isObject(affinity) && typeof affinity.cookieName === 'string') {
    route.sticky = { cookie: affinity.cookieName, ...(asNumber(affinity.maxAge) !== undefined ? { maxAge: `${asNumber(affinity.maxAge)}s` } : {}) };
  }
  const checks: Record<string, unknown>[] = [];
  const metrics = field(analysis, 'metrics');
  (Array.isArray(metrics) ? metrics : []).forEach((m, i) => {
    const at = `${who} spec.analysis.metrics[${i}]`;
    const check = metricCheck(m, at, { target, namespace: c.namespace, interval: interval ?? '1m', threshold }, templates, rollout, omitted, notes);
    if (check) checks.push(check);
  });
  if (checks.length > 0) rollout.checks = checks;
  omitRest(analysis, ['interval', 'threshold', 'maxWeight', 'stepWeight', 'stepWeights', 'metrics', 'sessionAffinity'], (k) => `${who} spec.analysis.${k}`, ANALYSIS_WHYS, 'no equivalent in cutover', omitted);
  route.rollout = rollout;
  return route;
}

function stepsOf(analysis: unknown, who: string, notes: Omission[]): number[] {
  const listed = field(analysis, 'stepWeights');
  if (Array.isArray(listed) && listed.length > 0) return listed.map((w) => asNumber(w) ?? 0).filter((w) => w > 0);
  const step = asNumber(field(analysis, 'stepWeight'));
  let max = asNumber(field(analysis, 'maxWeight'));
  if (step === undefined || step <= 0) {
    notes.push({ where: `${who} spec.analysis`, why: 'no stepWeight or stepWeights: cutover\'s default steps [1, 5, 10, 25, 50, 100] are used' });
    return [1, 5, 10, 25, 50, 100];
  }
  if (max === undefined) {
    max = DEFAULT_MAX_WEIGHT;
    notes.push({ where: `${who} spec.analysis.maxWeight`, why: `missing: assumed ${DEFAULT_MAX_WEIGHT}` });
  }
  const steps: number[] = [];
  for (let w = step; w <= Math.min(max, 100) + 1e-9; w += step) steps.push(Number(w.toFixed(4)));
  return steps;
}

interface MetricContext { target: string; namespace: string | undefined; interval: string; threshold: number | undefined }

function metricCheck(
  m: unknown, at: string, ctx: MetricContext, templates: Map<string, Manifest>, rollout: Record<string, unknown>, omitted: Omission[], notes: Omission[],
): Record<string, unknown> | null {
  const name = String(field(m, 'name') ?? '');
  const min = asNumber(field(m, 'thresholdRange', 'min'));
  const max = asNumber(field(m, 'thresholdRange', 'max'));
  const interval = toDuration(field(m, 'interval')) ?? ctx.interval;
  if (name === 'request-success-rate' && field(m, 'templateRef') === undefined) {
    if (min !== undefined) {
      rollout.errorRate = { tolerance: `${Number((100 - min).toFixed(4))}%` };
      notes.push({ where: at, why: `request-success-rate min ${min}% became errorRate.tolerance ${Number((100 - min).toFixed(4))}%: cutover compares the canary's error rate with stable's on the same traffic, rather than with a fixed floor` });
    }
    return null;
  }
  if (name === 'request-duration' && field(m, 'templateRef') === undefined) {
    omitted.push({ where: at, why: `request-duration max ${String(max)} ms is an absolute P99 bound; cutover's built-in latency test compares canary with stable (latency.tolerance). Add a Prometheus check with max if you need the fixed bound` });
    return null;
  }
  let query = field(m, 'query');
  let address: unknown;
  const ref = field(m, 'templateRef', 'name');
  if (typeof ref === 'string') {
    const t = templates.get(ref);
    if (!t) {
      omitted.push({ where: `${at}.templateRef`, why: `MetricTemplate ${ref} is not in the input; import the directory that holds it too` });
      return null;
    }
    const type = field(t.doc, 'spec', 'provider', 'type') ?? 'prometheus';
    if (type !== 'prometheus') {
      omitted.push({ where: `${describeManifest(t)} spec.provider.type`, why: `provider ${String(type)}: cutover's checks query Prometheus or an HTTP JSON endpoint only` });
      return null;
    }
    for (const k of ['secretRef', 'insecureSkipVerify']) {
      if (field(t.doc, 'spec', 'provider', k) !== undefined) omitted.push({ where: `${describeManifest(t)} spec.provider.${k}`, why: 'authentication and TLS options of the provider are not carried over; the query is sent without them' });
    }
    query = field(t.doc, 'spec', 'query');
    address = field(t.doc, 'spec', 'provider', 'address');
  }
  if (typeof query !== 'string' || query.trim() === '') {
    omitted.push({ where: at, why: `metric ${name} has no query (neither templateRef nor query); not a builtin cutover knows` });
    return null;
  }
  if (typeof address !== 'string') {
    address = FLAGGER_DEFAULT_PROMETHEUS;
    notes.push({ where: at, why: `no provider address: used ${FLAGGER_DEFAULT_PROMETHEUS}, Flagger's default metrics server` });
  }
  const variables = field(m, 'templateVariables');
  const filled = fillFlaggerQuery(query.trim(), { ...ctx, interval }, isObject(variables) ? variables : {});
  if (filled.unknown.length > 0) {
    omitted.push({ where: at, why: `the query uses ${filled.unknown.map((u) => `{{ ${u} }}`).join(', ')}, which has no value here; set it in templateVariables` });
    return null;
  }
  if (min === undefined && max === undefined) {
    omitted.push({ where: at, why: 'no thresholdRange: a check needs max or min' });
    return null;
  }
  return {
    name: routeName(name),
    prometheus: { url: address, query: filled.text },
    ...(max !== undefined ? { max } : {}),
    ...(min !== undefined ? { min } : {}),
    interval,
    ...(ctx.threshold !== undefined ? { failureLimit: Math.max(1, Math.round(ctx.threshold)) } : {}),
  };
}

/** Flagger's query variables, filled as Flagger does; what is left is reported. */
function fillFlaggerQuery(query: string, ctx: MetricContext, variables: Record<string, unknown>): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const text = query.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) => {
    if (name === 'namespace') return ctx.namespace ?? 'default';
    if (name === 'target') return ctx.target;
    if (name === 'interval') return ctx.interval;
    if (name.startsWith('variables.') && variables[name.slice('variables.'.length)] !== undefined) return String(variables[name.slice('variables.'.length)]);
    unknown.push(name);
    return whole;
  });
  return { text, unknown };
}
