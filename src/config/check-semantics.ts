/**
 * Cross-field rules for `rollout.checks`: the templates a check uses must have values in this
 * route (a revision that is not configured would leave the query matching nothing, which holds
 * the step forever with "no data"), and a comparison needs both revisions to tell the versions apart.
 */
import type { CheckConfig } from './checks-schema.js';
import { isTemplateName, placeholders, TEMPLATE_NAMES } from './check-template.js';
import type { RouteConfig } from './schema.js';
import type { SemanticIssue } from './semantics.js';

export function checkIssues(route: RouteConfig, routeIndex: number): SemanticIssue[] {
  const checks = route.rollout?.checks ?? [];
  const issues: SemanticIssue[] = [];
  checks.forEach((c, k) => {
    const at = (...rest: string[]): (string | number)[] => ['routes', routeIndex, 'rollout', 'checks', k, ...rest];
    const [field, text] = c.source.kind === 'prometheus' ? ['query', c.source.query] : ['url', c.source.url];
    const path = at(c.source.kind, field);
    const used = placeholders(text);
    for (const name of used) {
      if (!isTemplateName(name)) {
        issues.push({ path, message: `unknown placeholder {{${name}}}; the known ones are ${TEMPLATE_NAMES.map((n) => `{{${n}}}`).join(', ')}` });
      }
    }
    const usesRevision = used.includes('revision');
    if (c.rule.kind === 'compare') {
      if (!usesRevision) issues.push({ path, message: 'a compare check evaluates the query once per version: put {{revision}} where the revision label goes, e.g. {revision="{{revision}}"}' });
      issues.push(...missingRevisions(route, c, routeIndex, ['stable', 'canary']));
      if (route.stable.revision !== undefined && route.stable.revision === route.canary?.revision) {
        issues.push({ path: ['routes', routeIndex, 'stable', 'revision'], message: `is "${route.stable.revision}", the same as canary.revision: check "${c.name}" would compare a series with itself and never fail` });
      }
    } else if (usesRevision) {
      issues.push({ path, message: '{{revision}} is only for compare checks; use {{canary.revision}} (or add compare: { tolerance })' });
    }
    const named = (['canary', 'stable'] as const).filter((v) => used.includes(`${v}.revision`));
    issues.push(...missingRevisions(route, c, routeIndex, named));
  });
  return issues;
}

function missingRevisions(route: RouteConfig, c: CheckConfig, i: number, versions: readonly ('stable' | 'canary')[]): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  for (const v of versions) {
    const revision = v === 'stable' ? route.stable.revision : route.canary?.revision;
    if (revision === undefined) out.push({ path: ['routes', i, v], message: `check "${c.name}" needs ${v}.revision to fill in its query; add revision: to ${v}` });
  }
  return out;
}
