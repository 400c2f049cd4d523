/**
 * Does the canary answer what stable answers? Status, the headers that matter, and the body:
 * byte-equal, or for JSON equal after dropping the ignored paths and ignoring key order. Bodies
 * are kept (by reference, no copy) up to a limit and hashed beyond it, so memory per pair is bounded.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ShadowConfig } from '../config/schema.js';

// RFC 9110 §7.6.1 hop-by-hop fields say nothing about the answer; Date is the clock, not the answer;
// the framing fields follow from the body, which is compared itself (a JSON body equal up to key
// order or an ignored field can differ in length).
const ALWAYS_IGNORED = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'date', 'content-length'];
/** Credentials never leave the proxy in a mismatch example (docs/security.md). */
const ALWAYS_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];
const DIFF_TEXT_LIMIT = 120;

type PathSegment = string | number | '*';

/** A route's comparison settings, compiled once per route table. */
export class CompareRules {
  readonly ignoredHeaders: ReadonlySet<string>;
  readonly redactedHeaders: ReadonlySet<string>;
  readonly jsonPaths: readonly PathSegment[][];
  readonly bodyLimit: number;
  readonly methods: ReadonlySet<string>;
  readonly maxInFlight: number;
  readonly timeoutMs: number;

  constructor(shadow: ShadowConfig) {
    this.maxInFlight = shadow.maxInFlight;
    this.timeoutMs = shadow.timeout;
    this.ignoredHeaders = new Set([...ALWAYS_IGNORED, ...shadow.ignore.headers]);
    this.redactedHeaders = new Set([...ALWAYS_REDACTED, ...shadow.redactHeaders]);
    this.jsonPaths = shadow.ignore.jsonPaths.map(parseJsonPath);
    this.bodyLimit = shadow.compareBodyLimit;
    this.methods = new Set(shadow.methods);
  }
}

/** `$.a.b[*]['c d'][0]` → ['a', 'b', '*', 'c d', 0]; the schema already checked the syntax. */
export function parseJsonPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\*|\d+|'[^']*'|"[^"]*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] === '*') out.push('*');
    else if (/^\d+$/.test(m[2]!)) out.push(Number(m[2]));
    else out.push(m[2]!.slice(1, -1));
  }
  return out;
}

/** One response body, kept whole up to `limit` bytes, else reduced to its SHA-256. */
export class BodyCapture {
  private chunks: Buffer[] = [];
  private hash: Hash | null = null;
  length = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    this.length += chunk.length;
    if (this.hash !== null) {
      this.hash.update(chunk);
      return;
    }
    // A reference, not a copy: undici's chunk is a view into the socket's own read buffer, which is
    // allocated per read and never written again (llhttp parses a copy in wasm memory).
    this.chunks.push(chunk);
    if (this.length > this.limit) {
      this.hash = createHash('sha256');
      for (const c of this.chunks) this.hash.update(c);
      this.chunks = [];
    }
  }

  /** The whole body when under the limit, else null. */
  bytes(): Buffer | null {
    if (this.hash !== null) return null;
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
  }

  digest(): string {
    if (this.hash !== null) return this.hash.digest('hex');
    return createHash('sha256').update(this.bytes()!).digest('hex');
  }
}

/** What one version answered: status, raw header list (undici's), and the body. */
export interface CapturedResponse {
  status: number;
  rawHeaders: readonly Buffer[] | readonly string[];
  body: BodyCapture;
}

export type DifferingPart = 'status' | 'headers' | 'body';

export interface ResponseDifference {
  part: DifferingPart;
  /** Short and redacted: `$.price: 10 → 11`, `x-version: "1" → "2"`, `status 200 → 500`. */
  diff: string;
}

/** null when the answers agree under the rules. */
export function compareResponses(rules: CompareRules, stable: CapturedResponse, canary: CapturedResponse): ResponseDifference | null {
  if (stable.status !== canary.status) return { part: 'status', diff: `status ${stable.status} → ${canary.status}` };
  const s = headerMap(rules, stable.rawHeaders);
  const c = headerMap(rules, canary.rawHeaders);
  const headerDiff = diffHeaders(rules, s, c);
  if (headerDiff !== null) return { part: 'headers', diff: headerDiff };
  const bodyDiff = diffBodies(rules, s.get('content-type') ?? '', stable.body, c.get('content-type') ?? '', canary.body);
  return bodyDiff === null ? null : { part: 'body', diff: bodyDiff };
}

function headerMap(rules: CompareRules, raw: readonly Buffer[] | readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    if (rules.ignoredHeaders.has(name)) continue;
    const value = raw[i + 1]!.toString('latin1');
    const seen = out.get(name);
    out.set(name, seen === undefined ? value : `${seen}, ${value}`);
  }
  return out;
}

function diffHeaders(rules: CompareRules, s: Map<string, string>, c: Map<string, string>): string | null {
  const shown = (name: string, v: string | undefined): string => (v === undefined ? '(absent)' : rules.redactedHeaders.has(name) ? '[redacted]' : JSON.stringify(clip(v)));
  for (const [name, v] of s) {
    const other = c.get(name);
    if (other !== v) return `${name}: ${shown(name, v)} → ${shown(name, other)}`;
  }
  for (const [name, v] of c) if (!s.has(name)) return `${name}: (absent) → ${shown(name, v)}`;
  return null;
}

function isJson(contentType: string): boolean {
  const t = contentType.toLowerCase();
  return t.includes('application/json') || t.includes('+json');
}

function diffBodies(rules: CompareRules, sType: string, s: BodyCapture, cType: string, c: BodyCapture): string | null {
  const sb = s.bytes();
  const cb = c.bytes();
  if (sb === null || cb === null) {
    // Above the limit on either side: only a byte comparison by hash is possible.
    if (s.length === c.length && s.digest() === c.digest()) return null;
    return `body differs (${s.length} → ${c.length} bytes, compared by SHA-256 above ${rules.bodyLimit} bytes)`;
  }
  if (isJson(sType) && isJson(cType)) {
    const sj = parseJson(sb);
    const cj = parseJson(cb);
    if (sj !== undefined && cj !== undefined) {
      for (const path of rules.jsonPaths) {
        dropPath(sj.value, path, 0);
        dropPath(cj.value, path, 0);
      }
      return jsonDifference(sj.value, cj.value, '$');
    }
  }
  if (sb.equals(cb)) return null;
  let at = 0;
  const n = Math.min(sb.length, cb.length);
  while (at < n && sb[at] === cb[at]) at++;
  const around = (b: Buffer): string => JSON.stringify(clip(b.subarray(Math.max(0, at - 20), at + 40).toString('utf8')));
  return `body differs at byte ${at}: ${around(sb)} → ${around(cb)}`;
}

function parseJson(b: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(b.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

function dropPath(node: unknown, path: readonly PathSegment[], i: number): void {
  if (node === null || typeof node !== 'object') return;
  const seg = path[i]!;
  const last = i === path.length - 1;
  if (seg === '*') {
    const children = Array.isArray(node) ? node.map((_, k) => k) : Object.keys(node);
    if (last) {
      if (Array.isArray(node)) node.length = 0;
      else for (const k of children) delete (node as Record<string, unknown>)[k as string];
      return;
    }
    for (const k of children) dropPath((node as Record<string | number, unknown>)[k], path, i + 1);
    return;
  }
  if (last) {
    // An ignored array element stays a placeholder so the elements after it keep their index.
    if (Array.isArray(node)) {
      if (typeof seg === 'number' && seg < node.length) node[seg] = null;
    } else delete (node as Record<string, unknown>)[String(seg)];
    return;
  }
  dropPath((node as Record<string | number, unknown>)[seg], path, i + 1);
}

/** The first difference as `path: a → b`, or null; object key order never matters. */
export function jsonDifference(a: unknown, b: unknown, path: string): string | null {
  if (a === b) return null;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: ${short(a)} → ${short(b)}`;
  }
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    const n = Math.max(a.length, bb.length);
    for (let i = 0; i < n; i++) {
      if (i >= a.length || i >= bb.length) return `${path}: ${a.length} → ${bb.length} elements`;
      const d = jsonDifference(a[i], bb[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of Object.keys(ao)) {
    const d = jsonDifference(ao[k], Object.hasOwn(bo, k) ? bo[k] : undefined, childPath(path, k));
    if (d !== null) return d;
  }
  for (const k of Object.keys(bo)) if (!Object.hasOwn(ao, k)) return `${childPath(path, k)}: (absent) → ${short(bo[k])}`;
  return null;
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function short(v: unknown): string {
  if (v === undefined) return '(absent)';
  return clip(JSON.stringify(v));
}

function clip(s: string): string {
  return s.length > DIFF_TEXT_LIMIT ? `${s.slice(0, DIFF_TEXT_LIMIT - 1)}…` : s;
}
