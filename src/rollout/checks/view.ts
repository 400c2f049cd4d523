/** The checks part of a route's rollout JSON (admin API, `cutover status`, the dashboard). */
import type { CheckConfig } from '../../config/checks-schema.js';
import type { EvaluationOutcome } from './evaluate.js';
import type { StepChecks } from './step-checks.js';
import { boundOf, newCheckRecord } from './step-tally.js';

export interface CheckView {
  name: string;
  source: CheckConfig['source']['kind'];
  /** `max 0.01`, `tolerance 20% above stable`. */
  bound: string;
  failureLimit: number;
  noData: CheckConfig['noData'];
  /** In the current (or last) step. */
  evaluations: number;
  failures: number;
  /** The latest evaluation; null before the first. */
  outcome: EvaluationOutcome | null;
  /** The canary's (or the query's) value; null without data or when not finite (the reason says which). */
  value: number | null;
  /** Compare checks: stable's value. */
  stable: number | null;
  reason: string | null;
  at: string | null;
}

/** Every configured check, with what the step's runner recorded (nothing yet outside a step). */
export function checkViews(configured: readonly CheckConfig[], run: StepChecks | null): CheckView[] {
  return configured.map((c) => {
    const r = run?.records.get(c.name) ?? newCheckRecord(c.name);
    const last = r.last;
    return {
      name: c.name, source: c.source.kind, bound: boundOf(c), failureLimit: c.failureLimit, noData: c.noData,
      evaluations: r.evaluations, failures: r.failures,
      outcome: last?.outcome ?? null,
      value: jsonNumber(last?.canary ?? null),
      stable: jsonNumber(last?.stable ?? null),
      reason: last?.reason ?? null,
      at: last ? new Date(last.at).toISOString() : null,
    };
  });
}

function jsonNumber(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}
