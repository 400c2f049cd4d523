/**
 * One evaluation of a check, as a pure function of what its source answered: a value within its
 * bound passes, past it fails, and anything that is not a number (no series, NaN, an error, an
 * unreachable source) is "no data", which is never a pass.
 */
import type { CheckRule } from '../../config/checks-schema.js';

/** What a source answered: a number, or why there is none. */
export type Sample = { kind: 'value'; value: number } | { kind: 'noData'; reason: string };

export type EvaluationOutcome = 'pass' | 'fail' | 'noData';

export interface Evaluation {
  outcome: EvaluationOutcome;
  /** The canary's value (bounded checks: the query's value); null without data. */
  canary: number | null;
  /** Compare checks only: stable's value. */
  stable: number | null;
  /** One line for the status and a revert reason, e.g. `0.2 above max 0.01`. */
  reason: string;
  /** Epoch ms. */
  at: number;
}

export function evaluateBounds(rule: Extract<CheckRule, { kind: 'bounds' }>, sample: Sample, at: number): Evaluation {
  if (sample.kind === 'noData') return { outcome: 'noData', canary: null, stable: null, reason: `no data: ${sample.reason}`, at };
  const v = sample.value;
  if (Number.isNaN(v)) return { outcome: 'noData', canary: null, stable: null, reason: 'no data: the value is NaN (a ratio of zero to zero, or no samples in the range)', at };
  if (rule.max !== undefined && v > rule.max) return { outcome: 'fail', canary: v, stable: null, reason: `${formatValue(v)} above max ${formatValue(rule.max)}`, at };
  if (rule.min !== undefined && v < rule.min) return { outcome: 'fail', canary: v, stable: null, reason: `${formatValue(v)} below min ${formatValue(rule.min)}`, at };
  return { outcome: 'pass', canary: v, stable: null, reason: `${formatValue(v)} within ${describeRule(rule)}`, at };
}

/**
 * Canary against stable: with `worse: higher` the canary may exceed stable by the tolerance
 * (relative to stable's value, or absolute in the metric's unit); `worse: lower` mirrors it.
 */
export function evaluateCompare(rule: Extract<CheckRule, { kind: 'compare' }>, canary: Sample, stable: Sample, at: number): Evaluation {
  const c = canary.kind === 'value' && !Number.isNaN(canary.value) ? canary.value : null;
  const s = stable.kind === 'value' && !Number.isNaN(stable.value) ? stable.value : null;
  if (c === null || s === null) {
    const reasonOf = (x: Sample): string => (x.kind === 'noData' ? x.reason : 'NaN');
    if (c === null && s === null && reasonOf(canary) === reasonOf(stable)) return { outcome: 'noData', canary: null, stable: null, reason: `no data: ${reasonOf(canary)} (both versions)`, at };
    const why = [
      c === null ? `canary ${canary.kind === 'noData' ? canary.reason : 'NaN'}` : null,
      s === null ? `stable ${stable.kind === 'noData' ? stable.reason : 'NaN'}` : null,
    ].filter((x) => x !== null).join('; ');
    return { outcome: 'noData', canary: c, stable: s, reason: `no data: ${why}`, at };
  }
  // Against an infinite stable no tolerance means anything.
  if (!Number.isFinite(s)) return { outcome: 'noData', canary: c, stable: s, reason: `no data: stable's value is ${formatValue(s)}, nothing to compare with`, at };
  const limit = compareLimit(rule, s);
  const worse = rule.worse === 'higher' ? c > limit : c < limit;
  const vs = `canary ${formatValue(c)} vs stable ${formatValue(s)}${describeDifference(c, s)}`;
  const allowed = `${rule.worse === 'higher' ? 'at most' : 'at least'} ${formatValue(limit)} (${describeRule(rule)})`;
  return worse
    ? { outcome: 'fail', canary: c, stable: s, reason: `${vs}, allowed ${allowed}`, at }
    : { outcome: 'pass', canary: c, stable: s, reason: `${vs}, within ${describeRule(rule)}`, at };
}

/** The canary value at which a comparison starts to fail. */
export function compareLimit(rule: Extract<CheckRule, { kind: 'compare' }>, stable: number): number {
  const sign = rule.worse === 'higher' ? 1 : -1;
  return rule.relative ? stable + sign * Math.abs(stable) * rule.amount : stable + sign * rule.amount;
}

/** `max 0.01`, `min 1 and max 5`, `tolerance 20% higher`: the bound as the status shows it. */
export function describeRule(rule: CheckRule): string {
  if (rule.kind === 'compare') {
    const amount = rule.relative ? `${formatValue(rule.amount * 100)}%` : formatValue(rule.amount);
    return `tolerance ${amount} ${rule.worse === 'higher' ? 'above' : 'below'} stable`;
  }
  const parts = [rule.min !== undefined ? `min ${formatValue(rule.min)}` : null, rule.max !== undefined ? `max ${formatValue(rule.max)}` : null];
  return parts.filter((p) => p !== null).join(' and ');
}

function describeDifference(c: number, s: number): string {
  if (s === 0 || !Number.isFinite(c)) return '';
  const d = (c - s) / Math.abs(s);
  return ` (${d >= 0 ? '+' : ''}${formatValue(d * 100)}%)`;
}

/** Four significant digits: enough to see a bound crossed, short enough for a status line. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  return String(Number(v.toPrecision(4)));
}
