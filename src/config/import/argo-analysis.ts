/**
 * Argo Rollouts AnalysisTemplate metrics as rollout.checks: the Prometheus and web providers,
 * `{{args.NAME}}` filled from the Rollout's args or the template's defaults, and the simple
 * success/failure conditions (`result[0] >= 0.95`) as min/max.
 */
import { isObject, type Manifest } from './manifests.js';
import { asNumber, field, omitRest, routeName, toDuration, type Omission } from './translation.js';

export interface ArgValue { value?: string; placeholder?: string }

const METRIC_WHYS: Record<string, string> = {
  count: 'cutover evaluates a check for as long as the step lasts, not a fixed number of times',
  initialDelay: 'checks start with the step; put the delay into minStepDuration if needed',
  inconclusiveLimit: 'cutover has no inconclusive measurement: no data holds the step (noData: hold)',
  consecutiveErrorLimit: 'an error is no data in cutover: it holds the step (noData: hold) or, with noData: fail, counts as a failure',
  consecutiveSuccessLimit: 'a check passes while its latest evaluation passes',
};

/** The cutover checks of one template, with what could not be carried over. */
export function templateChecks(t: Manifest, args: Map<string, ArgValue>, omitted: Omission[], notes: Omission[]): Record<string, unknown>[] {
  const who = `${t.kind} ${t.name}`;
  const defaults = new Map<string, ArgValue>();
  const declared = field(t.doc, 'spec', 'args');
  for (const a of Array.isArray(declared) ? declared : []) {
    const name = field(a, 'name');
    if (typeof name !== 'string') continue;
    const given = args.get(name);
    if (given) defaults.set(name, given);
    else if (typeof field(a, 'value') === 'string') defaults.set(name, { value: field(a, 'value') as string });
  }
  const metrics = field(t.doc, 'spec', 'metrics');
  const out: Record<string, unknown>[] = [];
  (Array.isArray(metrics) ? metrics : []).forEach((m, i) => {
    const check = metricCheck(m, `${who} spec.metrics[${i}]`, defaults, omitted, notes);
    if (check) out.push(check);
  });
  omitRest(field(t.doc, 'spec'), ['args', 'metrics'], (k) => `${who} spec.${k}`, { dryRun: 'a dry-run metric never decides; cutover has no dry-run checks', measurementRetention: 'cutover keeps the latest evaluation per check' }, 'no equivalent in cutover', omitted);
  return out;
}

function metricCheck(m: unknown, at: string, args: Map<string, ArgValue>, omitted: Omission[], notes: Omission[]): Record<string, unknown> | null {
  const name = routeName(String(field(m, 'name') ?? 'metric'));
  const provider = field(m, 'provider');
  const kinds = isObject(provider) ? Object.keys(provider) : [];
  let source: Record<string, unknown>;
  let resultPath = '';
  if (kinds[0] === 'prometheus' && kinds.length === 1) {
    const p = field(provider, 'prometheus');
    const query = fill(String(field(p, 'query') ?? ''), args);
    if (query.missing.length > 0) return omitArgs(at, query.missing, omitted);
    const address = field(p, 'address');
    if (typeof address !== 'string' || address === '') {
      omitted.push({ where: `${at}.provider.prometheus.address`, why: 'missing: a check needs the Prometheus URL' });
      return null;
    }
    source = { prometheus: { url: address, query: query.text.trim() } };
    omitRest(p, ['address', 'query', 'timeout'], (k) => `${at}.provider.prometheus.${k}`, { authentication: 'authentication (SigV4, OAuth2) is not carried over; the query is sent without it', headers: 'request headers of the Prometheus provider are not carried over' }, 'no equivalent in cutover', omitted);
  } else if (kinds[0] === 'web' && kinds.length === 1) {
    const w = field(provider, 'web');
    const url = fill(String(field(w, 'url') ?? ''), args);
    if (url.missing.length > 0) return omitArgs(at, url.missing, omitted);
    const method = String(field(w, 'method') ?? 'GET').toUpperCase();
    if (method !== 'GET') {
      omitted.push({ where: `${at}.provider.web.method`, why: `${method}: cutover's http check only sends GET` });
      return null;
    }
    const headers: Record<string, string> = {};
    const list = field(w, 'headers');
    for (const h of Array.isArray(list) ? list : []) {
      const v = fill(String(field(h, 'value') ?? ''), args);
      if (v.missing.length > 0) return omitArgs(at, v.missing, omitted);
      headers[String(field(h, 'key'))] = v.text;
    }
    const jsonPath = String(field(w, 'jsonPath') ?? '{$}').replace(/^\{|\}$/g, '');
    resultPath = jsonPath;
    source = { http: { url: url.text, field: jsonPath, ...(Object.keys(headers).length > 0 ? { headers } : {}) } };
    omitRest(w, ['url', 'jsonPath', 'headers', 'method', 'timeoutSeconds'], (k) => `${at}.provider.web.${k}`, { body: 'cutover\'s http check sends no body', insecure: 'TLS verification is always on' }, 'no equivalent in cutover', omitted);
  } else {
    omitted.push({ where: `${at}.provider`, why: `provider ${kinds.join(', ') || '(none)'}: cutover's checks query Prometheus or an HTTP JSON endpoint only` });
    return null;
  }
  const bounds = boundsOf(field(m, 'successCondition'), field(m, 'failureCondition'), at, resultPath, omitted, notes);
  if (!bounds) return null;
  if (bounds.field !== undefined) (source.http as Record<string, unknown>).field = bounds.field;
  const check: Record<string, unknown> = {
    name, ...source, ...(bounds.max !== undefined ? { max: bounds.max } : {}), ...(bounds.min !== undefined ? { min: bounds.min } : {}),
  };
  const interval = toDuration(field(m, 'interval'));
  if (interval) check.interval = interval;
  const limit = asNumber(field(m, 'failureLimit'));
  // Argo fails when failures exceed failureLimit (default 0); cutover reverts when they reach it.
  check.failureLimit = (limit ?? 0) + 1;
  if (limit !== undefined) notes.push({ where: `${at}.failureLimit`, why: `Argo's ${limit} (failures tolerated) is cutover's failureLimit ${limit + 1} (failures that revert), counted per step` });
  omitRest(m, ['name', 'provider', 'successCondition', 'failureCondition', 'interval', 'failureLimit'], (k) => `${at}.${k}`, METRIC_WHYS, 'no equivalent in cutover', omitted);
  return check;
}

function omitArgs(at: string, missing: string[], omitted: Omission[]): null {
  omitted.push({ where: at, why: `args ${missing.join(', ')} have no value cutover can know (secretKeyRef, fieldRef, or not given): pass them with value: in the Rollout` });
  return null;
}

/** `{{args.NAME}}` (spaces allowed) with its value; podTemplateHashValue becomes a revision placeholder. */
function fill(text: string, args: Map<string, ArgValue>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(/\{\{\s*args\.([\w.-]+)\s*\}\}/g, (whole, name: string) => {
    const a = args.get(name);
    if (a?.value !== undefined) return a.value;
    if (a?.placeholder !== undefined) return a.placeholder;
    missing.push(name);
    return whole;
  });
  return { text: out, missing };
}

const CONDITION_RE = /^\s*result(?:\[0\])?((?:\.[A-Za-z_][\w-]*)*)\s*(>=|<=|>|<|==)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?|true|false)\s*$/;

/**
 * `result[0] >= 0.95` and friends as min/max. A strict comparison becomes the inclusive bound (one
 * value apart in practice); anything else (&&, len(), isNaN()) is listed, and the metric left out.
 */
function boundsOf(success: unknown, failure: unknown, at: string, resultPath: string, omitted: Omission[], notes: Omission[]): { max?: number; min?: number; field?: string } | null {
  const out: { max?: number; min?: number; field?: string } = {};
  for (const [kind, cond] of [['successCondition', success], ['failureCondition', failure]] as const) {
    if (cond === undefined) continue;
    const m = CONDITION_RE.exec(String(cond));
    if (!m) {
      omitted.push({ where: `${at}.${kind}`, why: `"${String(cond)}" is not a single comparison of the result with a number; write max/min by hand` });
      return null;
    }
    const [, path, op, raw] = m as unknown as [string, string, string, string];
    if (path) {
      if (!resultPath) {
        omitted.push({ where: `${at}.${kind}`, why: `"${String(cond)}" reads a field of a Prometheus result; a query gives one number` });
        return null;
      }
      out.field = `${resultPath === '$' ? '$' : resultPath}${path}`;
    }
    const n = raw === 'true' ? 1 : raw === 'false' ? 0 : Number(raw);
    const passWhenAbove = kind === 'successCondition' ? op.startsWith('>') : op.startsWith('<');
    if (op === '==') {
      if (kind === 'failureCondition') {
        omitted.push({ where: `${at}.${kind}`, why: `"${String(cond)}": failing on one exact value has no max/min equivalent` });
        return null;
      }
      out.min = n;
      out.max = n;
    } else if (passWhenAbove) out.min = n;
    else out.max = n;
    if (op === '>' || op === '<') notes.push({ where: `${at}.${kind}`, why: `"${String(cond)}" is strict; cutover's ${passWhenAbove ? 'min' : 'max'} ${n} is inclusive` });
  }
  if (out.max === undefined && out.min === undefined) {
    omitted.push({ where: at, why: 'no successCondition or failureCondition: a check needs max or min' });
    return null;
  }
  return out;
}
