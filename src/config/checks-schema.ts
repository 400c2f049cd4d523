/**
 * `rollout.checks`: more evidence for a step, from Prometheus or an HTTP JSON endpoint. The YAML
 * shape follows DESIGN.md; the parsed shape is normalised into a source (where the number comes
 * from) and a rule (what it is held to), so the evaluation never re-reads the YAML's variants.
 */
import { z } from 'zod';
import { DEFAULT_CHECK } from './defaults.js';
import { JsonPathError, parseJsonPath } from './json-path.js';
import { parseDuration } from './units.js';

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const out = parseDuration(value);
  if (typeof out === 'string') {
    ctx.addIssue({ code: 'custom', message: out });
    return z.NEVER;
  }
  return out;
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const bound = z.number({ error: 'must be a number in the unit of the metric' });

/**
 * A compare tolerance: `20%` is relative to stable's value, a plain number is absolute in the
 * metric's own unit (0.05 CPU seconds per second). Unlike elsewhere in the YAML, a plain number is
 * therefore not a percentage: a CPU or queue-depth metric has no percent to speak of.
 */
const tolerance = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = String(value).trim();
  const relative = text.endsWith('%');
  const n = Number(relative ? text.slice(0, -1).trim() : text);
  if (text === '' || !Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a tolerance: use a percentage of stable's value (20%) or an absolute amount in the metric's unit (0.05)` });
    return z.NEVER;
  }
  return relative ? { relative: true, amount: n / 100 } : { relative: false, amount: n };
});

const prometheus = z.strictObject({
  url: httpUrl,
  query: z.string().min(1, 'needs a PromQL query'),
});

const http = z.strictObject({
  url: httpUrl,
  field: z.string().superRefine((path, ctx) => {
    try {
      parseJsonPath(path);
    } catch (err) {
      if (!(err instanceof JsonPathError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  }),
  max: bound.optional(),
  min: bound.optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const rawCheck = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must match [a-z0-9][a-z0-9_.-]* (it is a metric label)').max(63),
  prometheus: prometheus.optional(),
  http: http.optional(),
  max: bound.optional(),
  min: bound.optional(),
  compare: z.strictObject({
    tolerance,
    /** Which direction is a regression: CPU and failures are worse higher, a success rate lower. */
    worse: z.enum(['higher', 'lower']).default('higher'),
  }).optional(),
  interval: duration.default(DEFAULT_CHECK.intervalMs),
  /** Default: DEFAULT_CHECK.timeoutMs, or the interval when that is shorter. */
  timeout: duration.optional(),
  failureLimit: z.number().int().min(1).default(DEFAULT_CHECK.failureLimit),
  noData: z.enum(['hold', 'fail']).default(DEFAULT_CHECK.noData),
});

type RawCheck = z.output<typeof rawCheck>;

export type CheckSource =
  | { kind: 'prometheus'; url: string; query: string }
  | { kind: 'http'; url: string; field: string; headers: Record<string, string> };

export type CheckRule =
  | { kind: 'bounds'; max?: number; min?: number }
  | { kind: 'compare'; relative: boolean; amount: number; worse: 'higher' | 'lower' };

export interface CheckConfig {
  name: string;
  source: CheckSource;
  rule: CheckRule;
  intervalMs: number;
  timeoutMs: number;
  failureLimit: number;
  noData: 'hold' | 'fail';
}

function shapeIssues(c: RawCheck, ctx: z.RefinementCtx): void {
  const issue = (path: string[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
  if ((c.prometheus === undefined) === (c.http === undefined)) {
    issue([], 'needs exactly one source: prometheus: { url, query } or http: { url, field }');
    return;
  }
  const hasBounds = c.max !== undefined || c.min !== undefined;
  if (c.http) {
    if (c.compare) issue(['compare'], 'compare needs a Prometheus query holding {{revision}}; an http check has one value, so give it max or min');
    if (hasBounds && (c.http.max !== undefined || c.http.min !== undefined)) issue(['http'], 'give max/min either inside http or beside it, not both');
    else if (!hasBounds && c.http.max === undefined && c.http.min === undefined) issue(['http'], 'needs max or min: the bound the field is held to');
  } else if (c.compare && hasBounds) {
    issue(['compare'], 'a check is either bounded (max/min) or a comparison (compare), not both; split it into two checks');
  } else if (!c.compare && !hasBounds) {
    issue([], 'needs max or min (a bound on the value) or compare: { tolerance } (canary against stable)');
  }
  const max = c.max ?? c.http?.max;
  const min = c.min ?? c.http?.min;
  if (max !== undefined && min !== undefined && min > max) issue(['min'], `must not be above max (${max}): no value could pass`);
  if (c.timeout !== undefined && c.timeout > c.interval) issue(['timeout'], `must not exceed the interval (${c.interval} ms): evaluations never overlap`);
  if (c.interval < MIN_CHECK_INTERVAL_MS) issue(['interval'], `must be at least ${MIN_CHECK_INTERVAL_MS}ms`);
}

/** Below this a check would hammer its source; a Prometheus scrape is seconds apart anyway. */
export const MIN_CHECK_INTERVAL_MS = 100;

function normalise(c: RawCheck): CheckConfig {
  const source: CheckSource = c.prometheus
    ? { kind: 'prometheus', url: c.prometheus.url, query: c.prometheus.query }
    : { kind: 'http', url: c.http!.url, field: c.http!.field, headers: c.http!.headers ?? {} };
  const max = c.max ?? c.http?.max;
  const min = c.min ?? c.http?.min;
  const rule: CheckRule = c.compare
    ? { kind: 'compare', relative: c.compare.tolerance.relative, amount: c.compare.tolerance.amount, worse: c.compare.worse }
    : { kind: 'bounds', ...(max !== undefined ? { max } : {}), ...(min !== undefined ? { min } : {}) };
  return { name: c.name, source, rule, intervalMs: c.interval, timeoutMs: c.timeout ?? Math.min(DEFAULT_CHECK.timeoutMs, c.interval), failureLimit: c.failureLimit, noData: c.noData };
}

export const checkSchema = rawCheck.superRefine(shapeIssues).transform(normalise);

export const checksSchema = z.array(checkSchema).superRefine((checks, ctx) => {
  const seen = new Map<string, number>();
  checks.forEach((c, i) => {
    const first = seen.get(c.name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate check name "${c.name}" (also checks[${first}]); names label the metrics, so they must be unique` });
    else seen.set(c.name, i);
  });
});
