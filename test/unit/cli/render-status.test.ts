import { describe, expect, it } from 'vitest';
import { progressBar, renderStatus, type StatusRoute } from '../../../src/cli/render-status.js';

const live = (rps: number, errorRate: number, p99Ms: number) => ({ rps, errorRate, p50Ms: 12, p90Ms: 30, p99Ms });

const shop: StatusRoute = {
  name: 'shop',
  phase: 'progressing',
  weight: 10,
  stable: { requests: 900, failures: 1, endpoints: [{ origin: 'http://10.0.0.5:3000', healthy: true, ejected: false }] },
  canary: { requests: 100, failures: 0, endpoints: [{ origin: 'http://10.0.0.6:3000', healthy: true, ejected: true, ejectedForMs: 4200 }] },
  rollout: {
    step: 2, steps: [1, 5, 10, 25, 50, 100], reason: 'step 2/6 (5%) passed: ok', revision: 'v2.3.0',
    verdict: {
      outcome: 'pending', reason: 'waiting: 32 of 50 canary requests', canary: { requests: 32 },
      tests: [{ label: 'error rate', revertLogE: Math.log(1.5), advanceLogE: Math.log(25), accepted: true, rejected: false }],
    },
  },
  live: { stable: live(90, 0.001, 45), canary: live(10, 0, 1500) },
};

describe('renderStatus', () => {
  it('shows phase, weight, step bar, live numbers, verdict, e-values and ejected endpoints', () => {
    expect(renderStatus([shop], 200)).toBe([
      'shop  progressing  canary 10%  revision v2.3.0',
      '  [■■■□□□] step 3/6 10%',
      '  stable  90.0 req/s  errors 0.10%  p50 12 ms  p99 45 ms  (total 900 requests, 0.11% errors)',
      '  canary  10.0 req/s  errors 0.0%  p50 12 ms  p99 1.50 s  (total 100 requests, 0.0% errors)',
      '  verdict pending: waiting: 32 of 50 canary requests',
      '  e-values (revert / advance): error rate 1.5 / 25 ✓',
      '  reason: step 2/6 (5%) passed: ok',
      '  ejected: canary http://10.0.0.6:3000 for 5s more',
      '',
    ].join('\n'));
  });

  it('reads well for a route without a rollout or a canary, and truncates to the width', () => {
    const plain: StatusRoute = { name: 'api', phase: 'stable', weight: 0, stable: { requests: 0, failures: 0 }, canary: null, rollout: null };
    expect(renderStatus([plain], 80)).toBe('api  stable  canary 0%\n  stable  0 requests, 0.0% errors\n');
    const lines = renderStatus([shop], 30).split('\n');
    expect(lines.every((l) => l.length <= 30)).toBe(true);
    expect(lines[2]!.endsWith('…')).toBe(true);
    expect(renderStatus([], 80)).toBe('no routes\n');
  });

  it('fills the bar once promoted and says when no step has started', () => {
    expect(progressBar(2, [10, 50, 100], 'promoted')).toBe('[■■■] step 3/3 100%');
    expect(progressBar(-1, [10, 50, 100], 'paused')).toBe('[□□□] before step 1/3');
  });
});

describe('renderStatus: endpoint health', () => {
  it('names an endpoint whose health is still unknown', () => {
    const route: StatusRoute = { name: 'api', phase: 'stable', weight: 0, stable: { requests: 0, failures: 0, endpoints: [{ origin: 'http://10.0.0.5:3000', health: 'unknown', healthy: true, ejected: false }] }, canary: null, rollout: null };
    expect(renderStatus([route], 200)).toContain('  health unknown: stable http://10.0.0.5:3000 (no connection opened, no health check passed yet)\n');
  });
});

describe('renderStatus with rollout.checks', () => {
  it('shows each check with what it last said, its bound and its failures', () => {
    const withChecks: StatusRoute = {
      ...shop,
      rollout: {
        ...shop.rollout!,
        checks: [
          { name: 'checkout-failures', bound: 'max 0.01', failures: 1, failureLimit: 2, outcome: 'fail', reason: '0.2 above max 0.01' },
          { name: 'cpu', bound: 'tolerance 20% above stable', failures: 0, failureLimit: 1, outcome: null, reason: null },
          { name: 'orders-api', bound: 'max 0', failures: 0, failureLimit: 1, outcome: 'noData', reason: 'no data: GET http://x answered 503' },
        ],
      },
    };
    const lines = renderStatus([withChecks], 200).split('\n');
    expect(lines.slice(6, 9)).toEqual([
      '  check checkout-failures  failures 1 of 2  fail  0.2 above max 0.01',
      '  check cpu  failures 0 of 1  not evaluated yet (tolerance 20% above stable)',
      '  check orders-api  failures 0 of 1  no data: GET http://x answered 503',
    ]);
  });
});
