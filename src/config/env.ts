import { isPair, isSeq, visit, type Document, type LineCounter } from 'yaml';
import type { ConfigIssue } from './errors.js';
import { formatPath } from './errors.js';

// ${VAR} and ${VAR:-default}; $${...} is a literal "${...}".
const VAR_RE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_VAR_RE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/**
 * Expands environment references in every string scalar of the document, in place,
 * so positions stay attached to the nodes. A value that is a single reference
 * (`weight: ${CANARY_WEIGHT:-0}`) is typed as YAML would type it, so numbers and
 * booleans from the environment validate as numbers and booleans; a quoted reference stays a string.
 */
export function expandEnv(doc: Document, env: NodeJS.ProcessEnv, lines: LineCounter): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const raw = node.value;
      const expanded = raw.replace(VAR_RE, (_m, escape: string, name: string, fallback: string | undefined) => {
        if (escape) return '${' + name + (fallback !== undefined ? ':-' + fallback : '') + '}';
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        const pos = node.range ? lines.linePos(node.range[0]) : undefined;
        issues.push({
          path: formatPath(pathFromAncestors(ancestors, node)),
          message: `environment variable ${name} is not set (set it, or write \${${name}:-default})`,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        });
        return '';
      });
      // Quoted scalars stay strings, as YAML would keep them: `token: "${TOKEN}"` with an all-digit token.
      node.value = node.type === 'PLAIN' && WHOLE_VAR_RE.test(raw) ? typeLikeYaml(expanded) : expanded;
    },
  });
  return issues;
}

function pathFromAncestors(ancestors: readonly unknown[], leaf: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  const chain = [...ancestors, leaf];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent)) {
      const key = (parent.key as { value?: unknown } | null)?.value;
      if (child !== parent.key) path.push(String(key));
    } else if (isSeq(parent)) {
      path.push(parent.items.indexOf(child as never));
    }
  }
  return path;
}

function typeLikeYaml(s: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  if (s === 'true') return true;
  if (s === 'false') return false;
  return s;
}
