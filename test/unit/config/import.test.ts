import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../../src/config/index.js';
import { importArgo, importFlagger, importIngressNginx, ImportError, parseManifests, type Translation } from '../../../src/config/import/index.js';
import { toDuration } from '../../../src/config/import/translation.js';

const docs = (...objects: unknown[]) => parseManifests([{ file: 'in.yaml', text: objects.map((o) => stringify(o)).join('---\n') }]);
/** Every translation must be a config cutover accepts. */
function valid(t: Translation): Translation {
  parseConfigText(stringify(t.config), 'out.yaml', {});
  return t;
}
type Route = Record<string, unknown> & { rollout?: Record<string, unknown> & { checks?: Record<string, unknown>[] } };
const routeOf = (t: Translation): Route => (t.config.routes as Route[])[0]!;
const wheres = (list: { where: string }[]) => list.map((o) => o.where);

describe('parseManifests and durations', () => {
  it('names the file, line and column of a YAML error', () => {
    expect(() => parseManifests([{ file: 'bad.yaml', text: 'kind: Canary\nspec: [1,\n' }])).toThrow(/^bad\.yaml:3:1 YAML syntax/);
  });
  it('reads Go durations and plain seconds', () => {
    expect([toDuration('1h30m'), toDuration('500ms'), toDuration(10), toDuration('45'), toDuration('2m'), toDuration('soon')]).toEqual(['5400s', '500ms', '10s', '45s', '2m', undefined]);
  });
});

describe('importFlagger', () => {
  const canary = (analysis: Record<string, unknown>) => ({ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'Api_V2' }, spec: { targetRef: { name: 'api' }, service: { port: 9898 }, analysis } });
  it('takes stepWeights as they are, and a route name cutover accepts', () => {
    const t = valid(importFlagger(docs(canary({ interval: '30s', stepWeights: [1, 5, 25] })), 'in.yaml'));
    expect(routeOf(t)).toMatchObject({ name: 'api-v2', stable: { endpoints: ['http://api-primary:9898'] }, rollout: { steps: [1, 5, 25], minStepDuration: '30s' } });
  });
  it('assumes maxWeight 50 when only stepWeight is given, and says so', () => {
    const t = valid(importFlagger(docs(canary({ stepWeight: 20 })), 'in.yaml'));
    expect(routeOf(t).rollout!.steps).toEqual([20, 40]);
    expect(t.notes.map((n) => n.why)).toContain('missing: assumed 50');
  });
  it('carries an inline query with the default address, and leaves out one whose variables have no value', () => {
    const t = valid(importFlagger(docs(canary({
      stepWeight: 10, maxWeight: 20,
      metrics: [
        { name: 'errors', query: 'sum(rate(errors_total{app="{{ target }}"}[{{ interval }}]))', thresholdRange: { max: 1 }, interval: '1m' },
        { name: 'queue', templateRef: { name: 'q' }, thresholdRange: { max: 5 } },
        { name: 'missing', templateRef: { name: 'nowhere' }, thresholdRange: { max: 5 } },
      ],
    }), { apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', metadata: { name: 'q' }, spec: { provider: { type: 'prometheus', address: 'http://p:9090' }, query: 'max(q{name="{{ variables.queue }}"})' } }), 'in.yaml'));
    expect(routeOf(t).rollout!.checks).toEqual([{ name: 'errors', prometheus: { url: 'http://prometheus:9090', query: 'sum(rate(errors_total{app="api"}[1m]))' }, max: 1, interval: '1m' }]);
    expect(t.omitted.find((o) => o.where.endsWith('metrics[1]'))!.why).toMatch(/uses \{\{ variables.queue \}\}, which has no value here/);
    expect(t.omitted.find((o) => o.where.endsWith('metrics[2].templateRef'))!.why).toMatch(/MetricTemplate nowhere is not in the input/);
  });
  it('lists the objects of the input it does not read', () => {
    const t = importFlagger(docs(canary({ stepWeight: 50 }), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' } }), 'in.yaml');
    expect(t.omitted).toContainEqual({ where: 'Deployment api (in.yaml)', why: 'not an object `cutover import flagger` reads' });
  });
  it('says so when there is no Canary', () => {
    expect(() => importFlagger(docs({ kind: 'Deployment', metadata: { name: 'x' } }), 'dir')).toThrow(ImportError);
  });
});

describe('importArgo', () => {
  const rollout = (canary: Record<string, unknown>) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web' }, spec: { strategy: { canary } } });
  const template = (metrics: unknown[]) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 't' }, spec: { args: [{ name: 'rev' }], metrics } });
  const prom = (query: string) => ({ prometheus: { address: 'http://p:9090', query } });
  it('turns conditions into bounds: success <= is max, failure < is min; an exact failure value is left out', () => {
    const t = valid(importArgo(docs(
      rollout({ canaryService: 'c', stableService: 's', steps: [{ setWeight: 10 }, { setWeight: 5 }], analysis: { templates: [{ templateName: 't' }], args: [{ name: 'rev', valueFrom: { podTemplateHashValue: 'Stable' } }] } }),
      template([
        { name: 'errors', successCondition: 'result[0] <= 0.01', provider: prom('e{h="{{args.rev}}"}') },
        { name: 'success', failureCondition: 'result[0] < 0.9', provider: prom('s{h="{{ args.rev }}"}') },
        { name: 'exact', failureCondition: 'result[0] == 3', provider: prom('x') },
      ]),
    ), 'in.yaml'));
    const r = routeOf(t);
    expect(r.rollout!.checks).toEqual([
      { name: 'errors', prometheus: { url: 'http://p:9090', query: 'e{h="{{stable.revision}}"}' }, max: 0.01, failureLimit: 1 },
      { name: 'success', prometheus: { url: 'http://p:9090', query: 's{h="{{stable.revision}}"}' }, min: 0.9, failureLimit: 1 },
    ]);
    expect(r.stable).toMatchObject({ endpoints: ['http://s:80'], revision: '${STABLE_POD_TEMPLATE_HASH:-set-me-stable}' });
    expect(t.omitted.map((o) => o.why)).toEqual(expect.arrayContaining([expect.stringMatching(/failing on one exact value/), '5: cutover\'s steps only go up']));
  });
  it('refuses a blue-green Rollout with what to do instead', () => {
    expect(() => importArgo(docs({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'b' }, spec: { strategy: { blueGreen: {} } } }), 'in.yaml'))
      .toThrow(/strategy blueGreen is not a canary/);
  });
  it('lists a provider it cannot query', () => {
    const t = importArgo(docs(rollout({ steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 't' }] } }] }), template([{ name: 'dd', successCondition: 'result > 1', provider: { datadog: { query: 'x' } } }])), 'in.yaml');
    expect(t.omitted.map((o) => o.why)).toContain('provider datadog: cutover\'s checks query Prometheus or an HTTP JSON endpoint only');
    expect(wheres(t.notes)).toContain('Rollout web spec.strategy.canary.canaryService');
  });
});

describe('importIngressNginx', () => {
  const ingress = (name: string, annotations: Record<string, string>, backend: Record<string, unknown>, apiVersion = 'networking.k8s.io/v1') => ({
    apiVersion, kind: 'Ingress', metadata: { name, annotations },
    spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/api', backend }] } }] },
  });
  it('reads the old extensions/v1beta1 backend and canary-weight-total', () => {
    const t = valid(importIngressNginx(docs(
      ingress('api', {}, { serviceName: 'api-v1', servicePort: 8080 }, 'extensions/v1beta1'),
      ingress('api-canary', { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '25', 'nginx.ingress.kubernetes.io/canary-weight-total': '1000' }, { serviceName: 'api-v2', servicePort: 'http' }, 'extensions/v1beta1'),
    ), 'in.yaml'));
    expect(routeOf(t)).toEqual({ name: 'api', match: { host: 'a.example.com', pathPrefix: '/api' }, stable: { endpoints: ['http://api-v1:8080'] }, canary: { endpoints: ['http://api-v2:80'] }, weight: 2.5 });
    expect(t.notes.map((n) => n.why)).toContain('port http is a name, not a number: assumed 80');
  });
  it('needs the stable twin of a canary Ingress', () => {
    expect(() => importIngressNginx(docs(ingress('c', { 'nginx.ingress.kubernetes.io/canary': 'true' }, { service: { name: 'v2', port: { number: 80 } } })), 'in.yaml'))
      .toThrow(/no canary Ingress has a stable Ingress for the same host and path/);
    expect(() => importIngressNginx(docs(ingress('main', {}, { service: { name: 'v1', port: { number: 80 } } })), 'in.yaml')).toThrow(/no canary Ingress/);
  });
});
