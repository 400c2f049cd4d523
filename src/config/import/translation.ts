/**
 * What an importer produces: a cutover config (plain data, printed as YAML) and every field of the
 * input it could not carry over, with why. Helpers shared by the three importers live here too.
 */
import { parseDuration } from '../units.js';
import { describeManifest, isObject, type Manifest } from './manifests.js';

export interface Omission {
  /** The object and field: `Canary test/podinfo spec.analysis.webhooks[0]`. */
  where: string;
  why: string;
}

export interface Translation {
  config: Record<string, unknown>;
  /** Fields not carried over. */
  omitted: Omission[];
  /** Carried over with a change of meaning the operator should check. */
  notes: Omission[];
}

/** A new translation's config: the data plane and admin listeners cutover's own defaults would pick. */
export function baseConfig(routes: Record<string, unknown>[]): Record<string, unknown> {
  return { listen: '0.0.0.0:8080', admin: { listen: '127.0.0.1:9901' }, routes };
}

/** A route name cutover accepts ([a-z0-9-]+, at most 63) from a Kubernetes name. */
export function routeName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return n === '' ? 'route' : n;
}

/** `http://NAME.NAMESPACE:PORT`, the in-cluster address of a Service. */
export function serviceOrigin(service: string, namespace: string | undefined, port: number): string {
  return `http://${service}${namespace ? `.${namespace}` : ''}:${port}`;
}

/**
 * A Go or Kubernetes duration (`1m`, `30s`, `1h30m`, `500ms`) or a number of seconds, as cutover
 * writes it; undefined when it is neither.
 */
export function toDuration(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return `${v}s`;
  if (typeof v !== 'string') return undefined;
  const text = v.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return `${text}s`;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  if (parts.length === 1) return text;
  const ms = parts.reduce((sum, p) => sum + (parseDuration(p[0]) as number), 0);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function durationMs(d: string): number {
  return parseDuration(d) as number;
}

export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function field(obj: unknown, ...path: (string | number)[]): unknown {
  let node = obj;
  for (const key of path) {
    if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
    else node = isObject(node) ? node[key] : undefined;
  }
  return node;
}

/** Lists every key of `obj` not in `handled`, with the reason from `whys` or the fallback. */
export function omitRest(
  obj: unknown, handled: readonly string[], where: (key: string) => string, whys: Record<string, string>, fallback: string, out: Omission[],
): void {
  if (!isObject(obj)) return;
  for (const key of Object.keys(obj)) {
    if (handled.includes(key)) continue;
    out.push({ where: where(key), why: whys[key] ?? fallback });
  }
}

/** Objects in the input this importer does not read (a Deployment, a Service, ...), listed so nothing is dropped silently. */
export function omitUnread(manifests: readonly Manifest[], read: (m: Manifest) => boolean, importer: string, out: Omission[]): void {
  for (const m of manifests) {
    if (!read(m)) out.push({ where: describeManifest(m), why: `not an object \`cutover import ${importer}\` reads` });
  }
}
