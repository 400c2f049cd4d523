/**
 * What the checks of one step have said so far, and what that means for the step: pure, so the
 * counting of failures, the noData policy and the "every check agrees" rule are unit-tested
 * without a timer or a socket.
 */
import type { CheckConfig } from '../../config/checks-schema.js';
import { describeRule, type Evaluation } from './evaluate.js';

export interface CheckRecord {
  readonly name: string;
  evaluations: number;
  /** Failed evaluations in this step (noData counts only with `noData: fail`). */
  failures: number;
  last: Evaluation | null;
}

export function newCheckRecord(name: string): CheckRecord {
  return { name, evaluations: 0, failures: 0, last: null };
}

/** True when this evaluation counts as a failure under the check's noData policy. */
export function isFailure(check: CheckConfig, e: Evaluation): boolean {
  return e.outcome === 'fail' || (e.outcome === 'noData' && check.noData === 'fail');
}

export function record(check: CheckConfig, r: CheckRecord, e: Evaluation): CheckRecord {
  return { ...r, evaluations: r.evaluations + 1, failures: r.failures + (isFailure(check, e) ? 1 : 0), last: e };
}

/**
 * `agree`: every check's latest evaluation passed. `fail`: a check reached its failureLimit in
 * this step (the step reverts). `hold` otherwise, with what each disagreeing check last said.
 */
export type ChecksOutcome = 'agree' | 'hold' | 'fail';
export interface ChecksVerdict { outcome: ChecksOutcome; reason: string }

export function checksVerdict(checks: readonly CheckConfig[], records: ReadonlyMap<string, CheckRecord>): ChecksVerdict {
  const holding: string[] = [];
  for (const c of checks) {
    const r = records.get(c.name) ?? newCheckRecord(c.name);
    if (r.failures >= c.failureLimit && r.last) {
      const count = `${r.failures} failed evaluation${r.failures === 1 ? '' : 's'} of ${r.evaluations} (failureLimit ${c.failureLimit})`;
      return { outcome: 'fail', reason: `check ${c.name}: ${r.last.reason}; ${count}` };
    }
    if (!r.last) holding.push(`${c.name}: not evaluated yet`);
    else if (r.last.outcome !== 'pass') holding.push(`${c.name}: ${r.last.reason}${r.failures > 0 ? ` (${r.failures} of ${c.failureLimit} failures)` : ''}`);
  }
  if (holding.length > 0) return { outcome: 'hold', reason: `waiting for checks: ${holding.join('; ')}` };
  return { outcome: 'agree', reason: checks.length === 1 ? `check ${checks[0]!.name} passed` : `all ${checks.length} checks passed` };
}

/** The check's bound as shown in the status: `max 0.01`, `tolerance 20% above stable`. */
export function boundOf(check: CheckConfig): string {
  return describeRule(check.rule);
}
