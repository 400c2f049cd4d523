import { describe, expect, it } from 'vitest';
import { renderShadow } from '../../../src/admin/assets/render.js';
import type { ApiRoute } from '../../../src/admin/dashboard-model.js';
import { renderStatus, type StatusRoute } from '../../../src/cli/render-status.js';

const shadow = {
  active: true, share: 100, methods: ['GET', 'HEAD'], mismatchTolerance: 0.05, inFlight: 2,
  verdict: { outcome: 'pending', reason: 'waiting: 40 of 50 compared answers', pairs: 44, matches: 38, mismatches: 2, errors: 4, dropped: 1, elapsedMs: 900, tests: [] },
  mismatches: [
    { at: '2026-12-02T16:00:01.000Z', method: 'GET', path: '/items/4', part: 'body', diff: '$.price: 14 → 99' },
    { at: '2026-12-02T16:00:02.000Z', method: 'GET', path: '/me', part: 'headers', diff: 'set-cookie: [redacted] → [redacted]' },
  ],
};

const route: StatusRoute = {
  name: 'shop', phase: 'shadowing', weight: 0,
  stable: { requests: 44, failures: 0 }, canary: { requests: 0, failures: 0 },
  rollout: { step: -1, steps: [10, 50, 100], reason: 'rollout started; shadow step', verdict: null, shadow },
};

describe('the shadow step in `cutover status` and the dashboard', () => {
  it('shows the shadow verdict, the counts and the latest mismatches', () => {
    expect(renderStatus([route], 200)).toBe([
      'shop  shadowing  canary 0%',
      '  [□□□] shadow step before 1/3',
      '  stable  44 requests, 0.0% errors',
      '  canary  0 requests, 0.0% errors',
      '  shadow 100% mirrored: pending: waiting: 40 of 50 compared answers',
      '    38 match, 2 mismatch, 4 error, 1 dropped',
      '    GET /items/4 (body): $.price: 14 → 99',
      '    GET /me (headers): set-cookie: [redacted] → [redacted]',
      '  reason: rollout started; shadow step',
      '',
    ].join('\n'));
  });

  it('renders the mismatches newest first, escaped', () => {
    const html = renderShadow({ rollout: { shadow: { ...shadow, mismatches: [...shadow.mismatches, { ...shadow.mismatches[0]!, path: '/<script>' }] } } } as unknown as ApiRoute);
    expect(html).toContain('<b>Shadow step: pending</b>');
    expect(html).toContain('38 match, 2 mismatch, 4 error, 1 dropped (tolerance 5.0 %)');
    expect(html.indexOf('/&lt;script&gt;')).toBeLessThan(html.indexOf('/items/4'));
    expect(html).not.toContain('<script>');
  });

  it('says nothing for a route without a shadow step', () => {
    expect(renderShadow({ rollout: { shadow: null } } as unknown as ApiRoute)).toBe('');
  });
});
