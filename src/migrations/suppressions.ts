/**
 * `-- cutover:allow RULE[, RULE]: why` in a comment allows those rules on the next statement.
 * The why is required and the ids must exist: a silent or mistyped suppression is an error.
 */
import { RULE_IDS, type MetaRuleId } from './rules/index.js';
import type { Token } from './tokens.js';

export interface Suppression {
  /** Offset of the comment; it applies to the first statement starting after `end`. */
  start: number;
  end: number;
  rules: string[];
  reason: string;
}

export interface SuppressionProblem {
  offset: number;
  ruleId: MetaRuleId;
  message: string;
}

const DIRECTIVE = 'cutover:allow';

export function readSuppressions(tokens: readonly Token[]): { suppressions: Suppression[]; problems: SuppressionProblem[] } {
  const suppressions: Suppression[] = [];
  const problems: SuppressionProblem[] = [];
  for (const t of tokens) {
    if (t.kind !== 'comment') continue;
    const body = t.value.trim();
    if (!body.startsWith(DIRECTIVE)) continue;
    const rest = body.slice(DIRECTIVE.length);
    const colon = rest.indexOf(':');
    const idsText = colon < 0 ? rest : rest.slice(0, colon);
    const reason = colon < 0 ? '' : rest.slice(colon + 1).trim();
    const rules = idsText.split(',').map((x) => x.trim()).filter((x) => x !== '');
    if (rules.length === 0) {
      problems.push({ offset: t.start, ruleId: 'suppression-unknown-rule', message: `'${body}' names no rule; write '-- cutover:allow RULE: why'` });
      continue;
    }
    const unknown = rules.filter((r) => !RULE_IDS.has(r));
    if (unknown.length > 0) {
      problems.push({ offset: t.start, ruleId: 'suppression-unknown-rule', message: `unknown rule ${unknown.map((u) => `'${u}'`).join(', ')} in '${body}'; the ids are listed in docs/migrations.md` });
      continue;
    }
    if (reason === '') {
      problems.push({ offset: t.start, ruleId: 'suppression-without-reason', message: `'${body}' has no reason; write '-- cutover:allow ${rules.join(', ')}: why it is safe here'` });
      continue;
    }
    suppressions.push({ start: t.start, end: t.end, rules, reason });
  }
  return { suppressions, problems };
}
