/**
 * `cutover import ingress-nginx`: an Ingress and its canary twin (annotation
 * nginx.ingress.kubernetes.io/canary: "true") become one route per host and path: the main
 * Ingress's backend is stable, the canary's is canary, canary-weight the static weight,
 * canary-by-header the override header and canary-by-cookie the sticky cookie.
 */
import { describeManifest, ImportError, isObject, type Manifest } from './manifests.js';
import { asNumber, baseConfig, field, omitUnread, routeName, serviceOrigin, type Omission, type Translation } from './translation.js';

const PREFIX = 'nginx.ingress.kubernetes.io/';

interface Backend { host: string | undefined; path: string; pathType: string | undefined; origin: string; at: string }

export function importIngressNginx(manifests: readonly Manifest[], source: string): Translation {
  const ingresses = manifests.filter((m) => m.kind === 'Ingress' && /^(networking\.k8s\.io|extensions)\//.test(m.apiVersion));
  const isCanary = (m: Manifest): boolean => annotation(m, 'canary') === 'true';
  const canaries = ingresses.filter(isCanary);
  const mains = ingresses.filter((m) => !isCanary(m));
  if (canaries.length === 0) throw new ImportError(`${source}: no canary Ingress (annotation ${PREFIX}canary: "true") found; pass the file or directory with both Ingresses`);
  const omitted: Omission[] = [];
  const notes: Omission[] = [];
  const routes: Record<string, unknown>[] = [];
  const names = new Set<string>();
  for (const c of canaries) {
    const canaryBackends = backends(c, notes);
    for (const cb of canaryBackends) {
      const main = mains.flatMap((m) => backends(m, []).map((b) => ({ m, b }))).find(({ b }) => b.host === cb.host && b.path === cb.path);
      if (!main) {
        omitted.push({ where: cb.at, why: `no non-canary Ingress serves ${cb.host ?? '*'}${cb.path}; the canary needs its stable twin in the input` });
        continue;
      }
      let name = routeName(main.m.name + (canaryBackends.length > 1 ? `-${cb.path}` : ''));
      for (let k = 2; names.has(name); k++) name = routeName(`${main.m.name}-${k}`);
      names.add(name);
      routes.push(route(name, main.b, cb, c, omitted, notes));
    }
    reportAnnotations(c, omitted, true);
    reportSpec(c, omitted);
  }
  for (const m of mains) {
    reportAnnotations(m, omitted, false);
    reportSpec(m, omitted);
  }
  omitUnread(manifests, (m) => ingresses.includes(m), 'ingress-nginx', omitted);
  if (routes.length === 0) throw new ImportError(`${source}: no canary Ingress has a stable Ingress for the same host and path; nothing to import`);
  return { config: baseConfig(routes), omitted, notes };
}

function route(name: string, stable: Backend, canary: Backend, c: Manifest, omitted: Omission[], notes: Omission[]): Record<string, unknown> {
  const who = describeManifest(c);
  const r: Record<string, unknown> = {
    name,
    match: { ...(stable.host ? { host: stable.host } : {}), pathPrefix: stable.path },
    stable: { endpoints: [stable.origin] },
    canary: { endpoints: [canary.origin] },
  };
  const weight = asNumber(annotation(c, 'canary-weight'));
  const total = asNumber(annotation(c, 'canary-weight-total')) ?? 100;
  if (weight !== undefined && total > 0) r.weight = Number(((weight / total) * 100).toFixed(4));
  const header = annotation(c, 'canary-by-header');
  if (header) {
    r.override = { header };
    notes.push({ where: `${who} ${PREFIX}canary-by-header`, why: `became override.header ${header}: send "${header}: canary" / "${header}: stable" where nginx took "always" / "never"` });
  }
  const cookie = annotation(c, 'canary-by-cookie');
  if (cookie) {
    r.sticky = { cookie };
    notes.push({ where: `${who} ${PREFIX}canary-by-cookie`, why: `became sticky.cookie ${cookie}: cutover sets this cookie itself and keeps each client on one version as the weight grows; a client can no longer force a version by setting it to "always" or "never" (use the override header)` });
  }
  for (const k of ['canary-by-header-value', 'canary-by-header-pattern']) {
    if (annotation(c, k) !== undefined) omitted.push({ where: `${who} ${PREFIX}${k}`, why: `cutover's override header takes the values "canary" and "stable", not a value or pattern of your own` });
  }
  if (stable.pathType === 'Exact') notes.push({ where: stable.at, why: `pathType Exact became pathPrefix ${stable.path}: cutover matches by prefix` });
  return r;
}

const HANDLED_CANARY = ['canary', 'canary-weight', 'canary-weight-total', 'canary-by-header', 'canary-by-cookie', 'canary-by-header-value', 'canary-by-header-pattern'];

function reportAnnotations(m: Manifest, omitted: Omission[], canary: boolean): void {
  const annotations = field(m.doc, 'metadata', 'annotations');
  if (!isObject(annotations)) return;
  for (const key of Object.keys(annotations)) {
    if (canary && key.startsWith(PREFIX) && HANDLED_CANARY.includes(key.slice(PREFIX.length))) continue;
    if (key === 'kubernetes.io/ingress.class') {
      omitted.push({ where: `${describeManifest(m)} ${key}`, why: 'cutover is the proxy; the ingress class has no meaning to it' });
    } else if (key.startsWith(PREFIX)) {
      omitted.push({ where: `${describeManifest(m)} ${key}`, why: 'an nginx setting without a per-route equivalent in cutover (limits.* are global; see docs/configuration.md)' });
    }
  }
}

function reportSpec(m: Manifest, omitted: Omission[]): void {
  const spec = field(m.doc, 'spec');
  if (field(spec, 'ingressClassName') !== undefined) omitted.push({ where: `${describeManifest(m)} spec.ingressClassName`, why: 'cutover is the proxy; the ingress class has no meaning to it' });
  if (field(spec, 'tls') !== undefined) omitted.push({ where: `${describeManifest(m)} spec.tls`, why: 'cutover terminates TLS from certificate files (tls.certificates); export the Secret\'s tls.crt and tls.key to files' });
  if (field(spec, 'defaultBackend') !== undefined || field(spec, 'backend') !== undefined) omitted.push({ where: `${describeManifest(m)} spec.defaultBackend`, why: 'cutover answers 404 where no route matches; add a route with pathPrefix / for a default' });
}

/** Every host × path of an Ingress, with its backend's address (networking.k8s.io/v1 and extensions/v1beta1). */
function backends(m: Manifest, notes: Omission[]): Backend[] {
  const out: Backend[] = [];
  const rules = field(m.doc, 'spec', 'rules');
  (Array.isArray(rules) ? rules : []).forEach((rule, i) => {
    const host = typeof field(rule, 'host') === 'string' ? (field(rule, 'host') as string) : undefined;
    const paths = field(rule, 'http', 'paths');
    (Array.isArray(paths) ? paths : []).forEach((p, j) => {
      const at = `${describeManifest(m)} spec.rules[${i}].http.paths[${j}]`;
      const svc = field(p, 'backend', 'service', 'name') ?? field(p, 'backend', 'serviceName');
      const portValue = field(p, 'backend', 'service', 'port', 'number') ?? field(p, 'backend', 'servicePort') ?? field(p, 'backend', 'service', 'port', 'name');
      if (typeof svc !== 'string') return;
      let port = asNumber(portValue);
      if (port === undefined) {
        port = 80;
        notes.push({ where: at, why: `port ${String(portValue)} is a name, not a number: assumed 80` });
      }
      const raw = typeof field(p, 'path') === 'string' ? (field(p, 'path') as string) : '/';
      out.push({ host, path: raw.startsWith('/') ? raw : `/${raw}`, pathType: field(p, 'pathType') as string | undefined, origin: serviceOrigin(svc, m.namespace, port), at });
    });
  });
  return out;
}

function annotation(m: Manifest, name: string): string | undefined {
  const v = field(m.doc, 'metadata', 'annotations', `${PREFIX}${name}`);
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** `match` for a route from the first host and path of the named Ingress, when it is in the input. */
export function matchOfIngress(manifests: readonly Manifest[], name: unknown): { host?: string; pathPrefix: string } | undefined {
  if (typeof name !== 'string') return undefined;
  const ingress = manifests.find((m) => m.kind === 'Ingress' && m.name === name);
  const first = ingress ? backends(ingress, [])[0] : undefined;
  return first ? { ...(first.host ? { host: first.host } : {}), pathPrefix: first.path } : undefined;
}
