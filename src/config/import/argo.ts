/**
 * `cutover import argo`: an Argo Rollouts Rollout (argoproj.io/v1alpha1, canary strategy) and its
 * AnalysisTemplates become a route with a rollout block: setWeight steps become steps, the pauses
 * minStepDuration, the background and inline analyses rollout.checks (which cutover runs during
 * every step), canaryService and stableService the two versions' endpoints.
 */
import { templateChecks, type ArgValue } from './argo-analysis.js';
import { matchOfIngress } from './ingress-nginx.js';
import { ImportError, type Manifest } from './manifests.js';
import { asNumber, baseConfig, omitUnread, durationMs, field, omitRest, routeName, serviceOrigin, toDuration, type Omission, type Translation } from './translation.js';

const WORKLOAD = 'a Kubernetes workload field: the Rollout (or your Deployment) keeps running the pods; cutover only shifts traffic between the two Services';
const SPEC_WHYS: Record<string, string> = {
  replicas: WORKLOAD, selector: WORKLOAD, template: WORKLOAD, workloadRef: WORKLOAD, revisionHistoryLimit: WORKLOAD,
  minReadySeconds: WORKLOAD, paused: 'use `cutover pause ROUTE`', progressDeadlineSeconds: 'cutover has no deployment deadline; a step that cannot decide holds after maxStepDuration',
  progressDeadlineAbort: 'cutover has no deployment deadline', restartAt: WORKLOAD, rollbackWindow: 'a revert in cutover moves all traffic to stable at once',
};
const CANARY_WHYS: Record<string, string> = {
  trafficRouting: 'cutover is the traffic router itself; point the ingress or mesh at cutover',
  maxSurge: WORKLOAD, maxUnavailable: WORKLOAD, scaleDownDelaySeconds: WORKLOAD, scaleDownDelayRevisionLimit: WORKLOAD,
  abortScaleDownDelaySeconds: WORKLOAD, dynamicStableScale: WORKLOAD, antiAffinity: WORKLOAD, canaryMetadata: WORKLOAD, stableMetadata: WORKLOAD,
  minPodsPerReplicaSet: WORKLOAD, pingPong: 'ping-pong services have no equivalent: stable and canary are fixed endpoint lists',
};
const STEP_WHYS: Record<string, string> = {
  experiment: 'experiments (extra ReplicaSets run side by side) have no equivalent',
  setCanaryScale: WORKLOAD,
  setHeaderRoute: 'header routes have no equivalent; the override header (routes[].override) forces one version per request',
  setMirrorRoute: 'mirror routes are not carried over',
  plugin: 'step plugins have no equivalent',
};

export function importArgo(manifests: readonly Manifest[], source: string): Translation {
  const rollouts = manifests.filter((m) => m.apiVersion.startsWith('argoproj.io/') && m.kind === 'Rollout');
  if (rollouts.length === 0) throw new ImportError(`${source}: no Argo Rollout (apiVersion argoproj.io/v1alpha1, kind Rollout) found; pass the file or directory that holds it`);
  const templates = new Map(manifests.filter((m) => m.apiVersion.startsWith('argoproj.io/') && (m.kind === 'AnalysisTemplate' || m.kind === 'ClusterAnalysisTemplate')).map((m) => [m.name, m]));
  const omitted: Omission[] = [];
  const notes: Omission[] = [];
  const routes = rollouts.map((r) => {
    const route = rolloutRoute(r, templates, omitted, notes);
    const ingress = field(r.doc, 'spec', 'strategy', 'canary', 'trafficRouting', 'nginx', 'stableIngress');
    const match = matchOfIngress(manifests, ingress);
    if (match) {
      // The host and path the traffic came in on are the route's match; keep the key order readable.
      const { name, ...rest } = route;
      notes.push({ where: `Rollout ${r.name} spec.strategy.canary.trafficRouting.nginx.stableIngress`, why: `match taken from Ingress ${String(ingress)}: point that Ingress at cutover` });
      return { name, match, ...rest };
    }
    return route;
  });
  const ingresses = new Set(rollouts.map((r) => field(r.doc, 'spec', 'strategy', 'canary', 'trafficRouting', 'nginx', 'stableIngress')));
  omitUnread(manifests, (m) => rollouts.includes(m) || templates.get(m.name) === m || (m.kind === 'Ingress' && ingresses.has(m.name)), 'argo', omitted);
  return { config: baseConfig(routes), omitted, notes };
}

function rolloutRoute(r: Manifest, templates: Map<string, Manifest>, omitted: Omission[], notes: Omission[]): Record<string, unknown> {
  const who = `Rollout ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
  const spec = field(r.doc, 'spec');
  const canary = field(spec, 'strategy', 'canary');
  if (canary === undefined) {
    const other = Object.keys((field(spec, 'strategy') as Record<string, unknown> | undefined) ?? {}).join(', ') || 'none';
    throw new ImportError(`${who}: strategy ${other} is not a canary; cutover imports spec.strategy.canary only (a blue-green switch is \`cutover weight ROUTE 100\`)`);
  }
  const port = containerPort(spec);
  if (port.assumed) notes.push({ where: `${who} spec.template`, why: 'no containerPort: assumed the Services listen on port 80' });
  else notes.push({ where: `${who} spec.template`, why: `assumed the Services listen on the container port ${port.value}; check the Services' ports` });
  const service = (key: 'stableService' | 'canaryService', suffix: string): string => {
    const s = field(canary, key);
    if (typeof s === 'string' && s !== '') return s;
    notes.push({ where: `${who} spec.strategy.canary.${key}`, why: `missing: assumed a Service ${r.name}-${suffix}; cutover needs one address per version` });
    return `${r.name}-${suffix}`;
  };
  const route: Record<string, unknown> = {
    name: routeName(r.name),
    stable: { endpoints: [serviceOrigin(service('stableService', 'stable'), r.namespace, port.value)] },
    canary: { endpoints: [serviceOrigin(service('canaryService', 'canary'), r.namespace, port.value)] },
  };
  const rollout: Record<string, unknown> = {};
  const steps: number[] = [];
  const pauses: number[] = [];
  const checks: Record<string, unknown>[] = [];
  let usesRevisions = false;
  const addAnalysis = (a: unknown, at: string): void => {
    const args = argValues(field(a, 'args'));
    if ([...args.values()].some((v) => v.placeholder !== undefined)) usesRevisions = true;
    const list = field(a, 'templates');
    for (const [k, t] of (Array.isArray(list) ? list : []).entries()) {
      const name = String(field(t, 'templateName') ?? '');
      const template = templates.get(name);
      if (!template) {
        omitted.push({ where: `${at}.templates[${k}]`, why: `AnalysisTemplate ${name} is not in the input; import the directory that holds it too` });
        continue;
      }
      for (const c of templateChecks(template, args, omitted, notes)) {
        if (!checks.some((x) => x.name === c.name)) checks.push(c);
      }
    }
    omitRest(a, ['templates', 'args'], (k) => `${at}.${k}`, { startingStep: 'cutover runs its checks during every step, from the first', dryRun: 'cutover has no dry-run checks' }, 'no equivalent in cutover', omitted);
  };
  const list = field(canary, 'steps');
  (Array.isArray(list) ? list : []).forEach((s, i) => {
    const at = `${who} spec.strategy.canary.steps[${i}]`;
    const weight = asNumber(field(s, 'setWeight'));
    if (weight !== undefined) {
      if (weight > 0 && (steps.length === 0 || weight > steps[steps.length - 1]!)) steps.push(weight);
      else omitted.push({ where: `${at}.setWeight`, why: `${weight}: cutover's steps only go up` });
      return;
    }
    const pause = field(s, 'pause');
    if (pause !== undefined) {
      const d = toDuration(field(pause, 'duration'));
      if (d) pauses.push(durationMs(d));
      else omitted.push({ where: `${at}.pause`, why: 'an indefinite pause waits for a person; cutover advances on evidence, so `cutover pause ROUTE` / `resume` hold a step by hand' });
      return;
    }
    if (field(s, 'analysis') !== undefined) {
      notes.push({ where: `${at}.analysis`, why: 'an inline analysis became rollout.checks, which cutover evaluates during every step rather than once at this point' });
      addAnalysis(field(s, 'analysis'), `${at}.analysis`);
      return;
    }
    const key = Object.keys((s as Record<string, unknown> | null) ?? {})[0] ?? '(empty)';
    omitted.push({ where: `${at}.${key}`, why: STEP_WHYS[key] ?? 'no equivalent in cutover' });
  });
  if (field(canary, 'analysis') !== undefined) addAnalysis(field(canary, 'analysis'), `${who} spec.strategy.canary.analysis`);
  if (steps.length > 0) rollout.steps = steps;
  else notes.push({ where: `${who} spec.strategy.canary.steps`, why: 'no setWeight steps: cutover\'s default steps [1, 5, 10, 25, 50, 100] are used' });
  if (pauses.length > 0) {
    const longest = Math.max(...pauses);
    rollout.minStepDuration = `${longest / 1000}s`;
    if (longest * 10 > 600_000) rollout.maxStepDuration = `${(longest * 10) / 1000}s`;
    if (new Set(pauses).size > 1) notes.push({ where: `${who} spec.strategy.canary.steps`, why: `the pauses differ (${pauses.map((p) => `${p / 1000}s`).join(', ')}); cutover has one minStepDuration, the longest: ${longest / 1000}s` });
  }
  if (checks.length > 0) rollout.checks = checks;
  if (usesRevisions) {
    // The pod-template-hash of each version is what Argo's queries select on: the operator supplies it.
    (route.stable as Record<string, unknown>).revision = '${STABLE_POD_TEMPLATE_HASH:-set-me-stable}';
    (route.canary as Record<string, unknown>).revision = '${CANARY_POD_TEMPLATE_HASH:-set-me-canary}';
    notes.push({ where: `${who} args valueFrom.podTemplateHashValue`, why: 'became {{stable.revision}} / {{canary.revision}}: set STABLE_POD_TEMPLATE_HASH and CANARY_POD_TEMPLATE_HASH (or write the revisions) before starting cutover' });
  }
  route.rollout = rollout;
  omitRest(spec, ['strategy'], (k) => `${who} spec.${k}`, SPEC_WHYS, 'no equivalent in cutover', omitted);
  omitRest(canary, ['steps', 'analysis', 'canaryService', 'stableService'], (k) => `${who} spec.strategy.canary.${k}`, CANARY_WHYS, 'no equivalent in cutover', omitted);
  return route;
}

function containerPort(spec: unknown): { value: number; assumed: boolean } {
  const port = asNumber(field(spec, 'template', 'spec', 'containers', 0, 'ports', 0, 'containerPort'));
  return port === undefined ? { value: 80, assumed: true } : { value: port, assumed: false };
}

function argValues(list: unknown): Map<string, ArgValue> {
  const out = new Map<string, ArgValue>();
  for (const a of Array.isArray(list) ? list : []) {
    const name = field(a, 'name');
    if (typeof name !== 'string') continue;
    const value = field(a, 'value');
    const hash = field(a, 'valueFrom', 'podTemplateHashValue');
    if (typeof value === 'string') out.set(name, { value });
    else if (hash === 'Latest') out.set(name, { placeholder: '{{canary.revision}}' });
    else if (hash === 'Stable') out.set(name, { placeholder: '{{stable.revision}}' });
  }
  return out;
}
