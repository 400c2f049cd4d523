import { readFile } from 'node:fs/promises';
import { isMap, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { core as zcore } from 'zod';
import { expandEnv } from './env.js';
import { ConfigError, ConfigReadError, formatPath, type ConfigIssue } from './errors.js';
import { configSchema, type CutoverConfig } from './schema.js';
import { checkSemantics, configWarnings } from './semantics.js';

export interface LoadedConfig {
  config: CutoverConfig;
  file: string;
  warnings: string[];
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigReadError(file, err);
  }
  const loaded = parseConfigText(text, file, env);
  if (loaded.config.admin.tokenFile && !loaded.config.admin.token) {
    try {
      const token = (await readFile(loaded.config.admin.tokenFile, 'utf8')).trim();
      loaded.config.admin.token = token === '' ? undefined : token;
    } catch (err) {
      throw new ConfigError(file, [{ path: 'admin.tokenFile', message: `cannot read ${loaded.config.admin.tokenFile}: ${(err as Error).message}` }]);
    }
  }
  await checkCaFiles(loaded, file);
  return loaded;
}

/** `upstream.ca` is read when a pool is built; an unreadable file is the config's error, found here. */
async function checkCaFiles(loaded: LoadedConfig, file: string): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  for (const [i, route] of loaded.config.routes.entries()) {
    const ca = route.upstream.ca;
    if (ca === undefined) continue;
    try {
      const text = await readFile(ca, 'utf8');
      if (!text.includes('-----BEGIN CERTIFICATE-----')) issues.push({ path: `routes[${i}].upstream.ca`, message: `${ca} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")` });
    } catch (err) {
      issues.push({ path: `routes[${i}].upstream.ca`, message: `cannot read ${ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(file, issues);
}

/** Parses, expands, validates. Throws ConfigError listing every issue with file:line:column and path. */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
    }));
  }
  const envIssues = expandEnv(doc, env, lines);
  if (envIssues.length > 0) throw new ConfigError(file, envIssues);

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    // yaml throws (not reports) an alias without its anchor, and the alias-count guard
    // against exponential expansion ("billion laughs"): both are the file's fault.
    throw new ConfigError(file, [{ path: '', message: `YAML: ${(err as Error).message}`, line: 1, column: 1 }]);
  }
  // reportInput: zod 4 leaves the bad value out of issues by default, and every message would read "is required".
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.flatMap((issue) => locateZodIssue(doc, lines, issue)));
  }
  const semantic = checkSemantics(parsed.data);
  if (semantic.length > 0) {
    throw new ConfigError(file, semantic.map((s) => locate(doc, lines, s.path, s.message)));
  }
  return { config: parsed.data, file, warnings: configWarnings(parsed.data) };
}

function locateZodIssue(doc: Document, lines: LineCounter, issue: zcore.$ZodIssue): ConfigIssue[] {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => locate(doc, lines, [...path, key], `unknown key "${key}"${suggest(path)}`, true));
  }
  return [locate(doc, lines, path, humanMessage(issue))];
}

function humanMessage(issue: zcore.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`} (got ${describe(issue.input)})`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'too_small' && issue.origin === 'number') return `must be at least ${String(issue.minimum)}${issue.inclusive === false ? ' (exclusive)' : ''}`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `must be at most ${String(issue.maximum)}`;
  if (issue.code === 'invalid_union' && issue.message.startsWith('Invalid input')) return `has an unexpected value (got ${describe(issue.input)})`;
  return issue.message;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Points at the deepest YAML node that exists on the path (the key itself for unknown keys). */
function locate(doc: Document, lines: LineCounter, path: (string | number)[], message: string, atKey = false): ConfigIssue {
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) break;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      node = atKey && i === path.length - 1 ? pair.key : pair.value;
    } else {
      node = (node as { items: unknown[] }).items[key as number];
      if (node === undefined) break;
    }
    found = node;
  }
  const range = (found as YamlNode | null)?.range;
  const base: ConfigIssue = { path: formatPath(path), message };
  if (!range) return base;
  const pos = lines.linePos(range[0]);
  return { ...base, line: pos.line, column: pos.col };
}

function suggest(parentPath: (string | number)[]): string {
  const known = knownKeysAt(parentPath);
  return known.length > 0 ? ` (known keys here: ${known.join(', ')})` : '';
}

function knownKeysAt(path: (string | number)[]): string[] {
  // Walk the zod schema along the path to list what is allowed, so a typo names its fix.
  let schema: unknown = configSchema;
  for (const key of path) {
    schema = unwrapSchema(schema);
    const def = (schema as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } }).def;
    if (def?.type === 'object' && typeof key === 'string') schema = def.shape?.[key];
    else if (def?.type === 'array' && typeof key === 'number') schema = def.element;
    else return [];
  }
  schema = unwrapSchema(schema);
  const def = (schema as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrapSchema(schema: unknown): unknown {
  for (let i = 0; i < 10; i++) {
    const def = (schema as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined)?.def;
    if (!def) return schema;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') schema = def.innerType;
    else if (def.type === 'pipe') schema = def.in;
    else return schema;
  }
  return schema;
}

export { formatPath };
