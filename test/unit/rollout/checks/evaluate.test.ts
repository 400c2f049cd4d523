import { describe, expect, it } from 'vitest';
import type { StepVerdict } from '../../../../src/analysis/index.js';
import type { CheckConfig } from '../../../../src/config/checks-schema.js';
import { withChecks } from '../../../../src/rollout/checks/combined-verdict.js';
import { evaluateBounds, evaluateCompare, formatValue, type Evaluation, type Sample } from '../../../../src/rollout/checks/evaluate.js';
import { checksVerdict, newCheckRecord, record, type CheckRecord } from '../../../../src/rollout/checks/step-tally.js';

const v = (value: number): Sample => ({ kind: 'value', value });
const none: Sample = { kind: 'noData', reason: 'the query returned no series' };

describe('evaluateBounds', () => {
  const max = { kind: 'bounds', max: 0.01 } as const;
  it('passes within, fails past max or min, with the value in the reason', () => {
    expect(evaluateBounds(max, v(0.002), 1)).toMatchObject({ outcome: 'pass', canary: 0.002, reason: '0.002 within max 0.01' });
    expect(evaluateBounds(max, v(0.2), 1)).toMatchObject({ outcome: 'fail', canary: 0.2, reason: '0.2 above max 0.01' });
    expect(evaluateBounds({ kind: 'bounds', min: 0.99, max: 1 }, v(0.5), 1)).toMatchObject({ outcome: 'fail', reason: '0.5 below min 0.99' });
    expect(evaluateBounds(max, v(0.01), 1).outcome).toBe('pass');
  });
  it('is no data without a number or with NaN; +Inf fails a max, -Inf a min', () => {
    expect(evaluateBounds(max, none, 1)).toMatchObject({ outcome: 'noData', canary: null, reason: 'no data: the query returned no series' });
    expect(evaluateBounds(max, v(Number.NaN), 1).outcome).toBe('noData');
    expect(evaluateBounds(max, v(Infinity), 1)).toMatchObject({ outcome: 'fail', reason: '+Inf above max 0.01' });
    expect(evaluateBounds({ kind: 'bounds', min: 0 }, v(-Infinity), 1).outcome).toBe('fail');
  });
});

describe('evaluateCompare', () => {
  const rel = { kind: 'compare', relative: true, amount: 0.2, worse: 'higher' } as const;
  it('lets the canary exceed stable by a relative tolerance, and no more', () => {
    expect(evaluateCompare(rel, v(0.11), v(0.1), 1).outcome).toBe('pass');
    const e = evaluateCompare(rel, v(0.2), v(0.1), 1);
    expect(e).toMatchObject({ outcome: 'fail', canary: 0.2, stable: 0.1 });
    expect(e.reason).toBe('canary 0.2 vs stable 0.1 (+100%), allowed at most 0.12 (tolerance 20% above stable)');
  });
  it('takes an absolute tolerance in the metric unit, and worse: lower for metrics where less is worse', () => {
    const abs = { kind: 'compare', relative: false, amount: 0.05, worse: 'higher' } as const;
    expect(evaluateCompare(abs, v(0.149), v(0.1), 1).outcome).toBe('pass');
    expect(evaluateCompare(abs, v(0.16), v(0.1), 1).outcome).toBe('fail');
    const lower = { kind: 'compare', relative: true, amount: 0.01, worse: 'lower' } as const;
    expect(evaluateCompare(lower, v(0.95), v(0.999), 1)).toMatchObject({ outcome: 'fail', reason: expect.stringMatching(/allowed at least 0.989/) });
    expect(evaluateCompare(lower, v(1), v(0.999), 1).outcome).toBe('pass');
  });
  it('is no data when either side has none or stable is not finite; a stable of 0 allows no increase with a relative tolerance', () => {
    expect(evaluateCompare(rel, none, v(0.1), 1)).toMatchObject({ outcome: 'noData', stable: 0.1, reason: 'no data: canary the query returned no series' });
    expect(evaluateCompare(rel, v(0.1), v(Number.NaN), 1).outcome).toBe('noData');
    expect(evaluateCompare(rel, none, none, 1).reason).toBe('no data: the query returned no series (both versions)');
    expect(evaluateCompare(rel, v(1), v(Infinity), 1).outcome).toBe('noData');
    expect(evaluateCompare(rel, v(0.001), v(0), 1).outcome).toBe('fail');
    expect(evaluateCompare(rel, v(0), v(0), 1).outcome).toBe('pass');
  });
  it('formats values to four significant digits', () => {
    expect([formatValue(5.00333), formatValue(1234567), formatValue(0), formatValue(-Infinity)]).toEqual(['5.003', '1235000', '0', '-Inf']);
  });
});

function check(over: Partial<CheckConfig> = {}): CheckConfig {
  return {
    name: 'checkout-failures', source: { kind: 'prometheus', url: 'http://p', query: 'q' }, rule: { kind: 'bounds', max: 0.01 },
    intervalMs: 1000, timeoutMs: 1000, failureLimit: 2, noData: 'hold', ...over,
  };
}
const evaluation = (outcome: Evaluation['outcome'], reason: string = outcome): Evaluation => ({ outcome, canary: outcome === 'noData' ? null : 1, stable: null, reason, at: 0 });

function tally(c: CheckConfig, outcomes: Evaluation['outcome'][]): Map<string, CheckRecord> {
  let r = newCheckRecord(c.name);
  for (const o of outcomes) r = record(c, r, evaluation(o, o === 'fail' ? '0.2 above max 0.01' : `said ${o}`));
  return new Map([[c.name, r]]);
}

describe('checksVerdict', () => {
  it('holds before the first evaluation and while the latest did not pass', () => {
    const c = check();
    expect(checksVerdict([c], new Map())).toEqual({ outcome: 'hold', reason: 'waiting for checks: checkout-failures: not evaluated yet' });
    expect(checksVerdict([c], tally(c, ['pass', 'noData']))).toEqual({ outcome: 'hold', reason: 'waiting for checks: checkout-failures: said noData' });
    expect(checksVerdict([c], tally(c, ['fail'])).reason).toBe('waiting for checks: checkout-failures: 0.2 above max 0.01 (1 of 2 failures)');
  });
  it('agrees only when every check last passed; a later pass does not forgive earlier failures in the step', () => {
    const a = check();
    const b = check({ name: 'cpu' });
    expect(checksVerdict([a, b], new Map([...tally(a, ['pass']), ...tally(b, ['fail', 'pass'])]))).toEqual({ outcome: 'agree', reason: 'all 2 checks passed' });
    expect(checksVerdict([a], tally(a, ['fail', 'pass', 'fail']))).toMatchObject({ outcome: 'fail' });
  });
  it('fails at failureLimit failures with the name, value and count; noData counts only with noData: fail', () => {
    const c = check();
    expect(checksVerdict([c], tally(c, ['fail', 'fail'])).reason).toBe('check checkout-failures: 0.2 above max 0.01; 2 failed evaluations of 2 (failureLimit 2)');
    expect(checksVerdict([c], tally(c, ['noData', 'noData', 'noData'])).outcome).toBe('hold');
    const strict = check({ noData: 'fail', failureLimit: 1 });
    expect(checksVerdict([strict], tally(strict, ['noData']))).toMatchObject({ outcome: 'fail', reason: 'check checkout-failures: said noData; 1 failed evaluation of 1 (failureLimit 1)' });
  });
});

describe('withChecks', () => {
  const verdict = (outcome: StepVerdict['outcome'], reason: string): StepVerdict => ({ outcome, reason } as StepVerdict);
  it('advances only when the analysis passes and the checks agree', () => {
    expect(withChecks(verdict('pass', 'canary within tolerance'), { outcome: 'agree', reason: 'check a passed' })).toMatchObject({ outcome: 'pass', reason: 'canary within tolerance; check a passed' });
    expect(withChecks(verdict('pass', 'ok'), { outcome: 'hold', reason: 'waiting for checks: a: no data' })).toMatchObject({ outcome: 'pending', reason: 'the analysis passed (ok); waiting for checks: a: no data' });
    expect(withChecks(verdict('pending', 'waiting: 3 of 50'), { outcome: 'agree', reason: 'x' })).toMatchObject({ outcome: 'pending', reason: 'waiting: 3 of 50' });
    expect(withChecks(verdict('pending', 'waiting: 3 of 50'), { outcome: 'hold', reason: 'waiting for checks: a' })).toMatchObject({ outcome: 'pending', reason: 'waiting: 3 of 50' });
  });
  it('reverts on a failed check whatever the analysis says, but keeps the analysis reason when it failed too', () => {
    expect(withChecks(verdict('pending', 'waiting'), { outcome: 'fail', reason: 'check a: 1 above max 0' })).toMatchObject({ outcome: 'fail', reason: 'check a: 1 above max 0' });
    expect(withChecks(verdict('inconclusive', 'late'), { outcome: 'fail', reason: 'check a' }).outcome).toBe('fail');
    expect(withChecks(verdict('fail', 'error rate 30%'), { outcome: 'fail', reason: 'check a' }).reason).toBe('error rate 30%');
  });
});
