import { describe, expect, it } from 'vitest';
import type { ApiRoute } from '../../../src/admin/dashboard-model.js';
import type { ClientStats } from '../../../src/demo/load.js';
import { progressBar, renderDemoView, renderSummary, type DemoFrame } from '../../../src/demo/view.js';

const client: ClientStats = {
  sent: 1200, answered: 1190, transportErrors: 0, failures: 3,
  stable: { requests: 1000, failures: 0, rps: 270, p99Ms: 31 },
  canary: { requests: 190, failures: 3, rps: 30, p99Ms: 29 },
};

function route(overrides: Partial<ApiRoute> = {}): ApiRoute {
  const version = (requests: number, failures: number) => ({ endpoints: [{ origin: 'http://127.0.0.1:1', health: 'healthy' as const, healthy: true, ejected: false, ejectedForMs: 0, connectFailuresInARow: 0, connections: { active: 1, idle: 3 } }], requests, failures, errorRate: failures / requests });
  return {
    name: 'demo', phase: 'progressing', weight: 25, match: { pathPrefix: '/' }, revision: 'v2',
    stable: version(1000, 0), canary: version(190, 3),
    rollout: {
      step: 1, steps: [10, 25, 50, 100], stepStartedAt: '2026-01-01T00:00:10.000Z', revision: 'v2', reason: 'step 1/4 passed',
      verdict: { outcome: 'pending', reason: 'waiting: 40 of 100 canary requests', tests: [], canary: { requests: 40, failures: 0 }, stable: { requests: 120, failures: 0 }, srmLogE: 0, elapsedMs: 2000, revertLogThreshold: Math.log(500), advanceLogThreshold: Math.log(20) },
    },
    history: [
      { at: '2026-01-01T00:00:00.000Z', from: 'stable', to: 'progressing', weight: 10, step: 0, reason: 'gates passed' },
      { at: '2026-01-01T00:00:10.000Z', from: 'progressing', to: 'progressing', weight: 25, step: 1, reason: 'step 1/4 (10%) passed: canary within tolerance' },
    ],
    live: { stable: { rps: 300, errorRate: 0, p50Ms: 9, p90Ms: 18, p99Ms: 33 }, canary: { rps: 100, errorRate: 0.01, p50Ms: 8.5, p90Ms: 17, p99Ms: 28 } },
    ...overrides,
  };
}

const frame = (r: ApiRoute | null, extra: Partial<DemoFrame> = {}): DemoFrame => ({ route: r, client, elapsedMs: 12_300, limitMs: 120_000, dashboardUrl: 'http://127.0.0.1:9901/', badCanary: false, ...extra });

describe('demo terminal view', () => {
  it('shows route, phase, step, the weight as a bar, per-version numbers and each decision with its reason', () => {
    const text = renderDemoView(frame(route()));
    expect(text).toContain('dashboard: http://127.0.0.1:9901/');
    expect(text).toContain('route demo  phase progressing  step 2 of 4 (25 %)');
    expect(text).toContain(progressBar(25, [10, 25, 50, 100]));
    expect(text).toMatch(/stable v1\s+1,000 req\s+300 req\/s\s+errors\s+0\.00 %\s+p99\s+33 ms/);
    expect(text).toMatch(/canary v2\s+190 req\s+100 req\/s\s+errors\s+1\.00 %\s+p99\s+28 ms/);
    expect(text).toContain('verdict: pending — waiting: 40 of 100 canary requests');
    expect(text).toContain('+10.0 s  progressing → progressing at 25 %: step 1/4 (10%) passed: canary within tolerance');
    expect(text).not.toContain('\x1b[');
  });

  it('falls back to what the load generator saw when the API has no live numbers', () => {
    const text = renderDemoView(frame(route({ live: undefined, rollout: null, history: [] })));
    expect(text).toContain('weight 25 %');
    expect(text).toMatch(/canary v2\s+190 req\s+30 req\/s\s+errors\s+1\.58 %\s+p99\s+29 ms/);
    expect(text).toContain('decisions: none yet');
  });

  it('says it is waiting before the proxy answers, and clips every line to the width', () => {
    expect(renderDemoView(frame(null))).toContain('waiting for the proxy');
    const narrow = renderDemoView(frame(route()), { width: 40 });
    for (const line of narrow.split('\n')) expect([...line].length).toBeLessThanOrEqual(40);
  });

  it('colours the phase only when asked', () => {
    expect(renderDemoView(frame(route({ phase: 'reverted' })), { color: true })).toContain('\x1b[31mreverted\x1b[0m');
  });

  it('draws the bar full at 100 % and marks the steps still ahead', () => {
    expect(progressBar(100, [10, 50, 100], 10)).toBe('[██████████] 100 %');
    expect(progressBar(0, [50, 100], 10)).toBe('[░░░░┊░░░░┊] 0 %');
  });

  it('summarises how the rollout ended, with every decision', () => {
    const summary = renderSummary('promoted', frame(route({ phase: 'promoted', weight: 100 })));
    expect(summary).toMatch(/^cutover demo finished after 12\.3 s: the canary was promoted/);
    expect(summary).toContain('final phase promoted, canary weight 100 %');
    expect(summary).toContain('canary v2  190 requests, 3 failed (1.58 %)');
    expect(summary).toContain('gates passed');
    expect(summary).toContain('load: 1,200 requests sent, 1,190 answered, 0 without an answer');
    expect(renderSummary('limit', frame(null))).toContain('the time limit came before the rollout ended');
  });
});
