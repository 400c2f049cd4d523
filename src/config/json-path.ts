/**
 * The JSONPath subset an http check's `field` takes (Argo Rollouts' web provider reads
 * `{$.data.ok}` the same way): `$`, `.name`, `['name']` or `["name"]`, and `[index]`. No filters
 * or wildcards: a check reads one number.
 */

export type PathSegment = string | number;

export class JsonPathError extends Error {
  readonly code = 'CUTOVER_JSON_PATH_INVALID';
  constructor(path: string, at: number, what: string) {
    super(`${path}: ${what} at character ${at + 1}; use $.name, $['name'] or $.list[0]`);
    this.name = 'JsonPathError';
  }
}

const NAME_RE = /^[A-Za-z_$][\w$-]*/;

export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new JsonPathError(path, 0, 'must start with $');
  const out: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      const m = NAME_RE.exec(path.slice(i + 1));
      if (!m) throw new JsonPathError(path, i + 1, 'expected a field name');
      out.push(m[0]);
      i += 1 + m[0].length;
    } else if (ch === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new JsonPathError(path, i, 'unclosed [');
      const inner = path.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) out.push(inner.slice(1, -1));
      else throw new JsonPathError(path, i + 1, 'expected an index or a quoted name inside []');
      i = close + 1;
    } else {
      throw new JsonPathError(path, i, `unexpected "${ch}"`);
    }
  }
  return out;
}

/** The value at the path, or undefined where the document has nothing there. */
export function readJsonPath(doc: unknown, segments: readonly PathSegment[]): unknown {
  let node: unknown = doc;
  for (const s of segments) {
    if (typeof s === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[s];
    } else {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, s)) return undefined;
      node = (node as Record<string, unknown>)[s];
    }
  }
  return node;
}
