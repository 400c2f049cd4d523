import { describe, expect, it } from 'vitest';
import { renderRouteSection } from '../../../src/admin/assets/render.js';
import { renderDashboardPage } from '../../../src/admin/dashboard-html.js';
import type { ApiRoute } from '../../../src/admin/dashboard-model.js';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';

const version = { endpoints: [{ origin: 'http://127.0.0.1:1', health: 'healthy' as const, healthy: true, ejected: false, ejectedForMs: 0, connectFailuresInARow: 0, connections: { active: 0, idle: 1 } }], requests: 1234, failures: 5, errorRate: 5 / 1234 };
const hostile: ApiRoute = {
  name: 'shop', phase: 'reverted', weight: 0, match: { pathPrefix: '/' }, revision: '<img src=x>', stable: version, canary: version,
  rollout: {
    step: 1, steps: [5, 50, 100], stepStartedAt: '2026-01-01T00:00:00.000Z', revision: null, reason: 'x',
    verdict: {
      outcome: 'fail', reason: 'canary error rate 4% vs stable 0% </script><script>alert(1)</script>', srmLogE: 0, elapsedMs: 3000,
      canary: { requests: 50, failures: 2 }, stable: { requests: 900, failures: 0 }, revertLogThreshold: Math.log(300), advanceLogThreshold: Math.log(20),
      tests: [{ metric: 'errorRate', label: 'error rate', revertLogE: Math.log(820), advanceLogE: 0, accepted: false, rejected: true, canaryEvents: 2, stableEvents: 0 }],
    },
  },
  history: [{ at: '2026-01-01T00:00:03.000Z', from: 'progressing', to: 'reverted', weight: 0, step: 1, reason: 'reverted at step 2/3' }],
};

describe('dashboard HTML', () => {
  it('puts the whole route in plain text: phase, step timeline, numbers, evidence in words, history', () => {
    const html = renderRouteSection(hostile);
    expect(html).toContain('<span class="phase phase-reverted">reverted</span>');
    expect(html).toContain('<li class="step step-done">5 %</li><li class="step step-current">50 %</li>');
    expect(html).toContain('<td>1,234</td>');
    expect(html).toContain('error rate: REGRESSION, evidence it is within tolerance ×1.00 (passes at ×20.0); evidence of a regression ×820 (reverts at ×300); 2 canary vs 0 stable events');
    expect(html).toContain('reverted at step 2/3');
    // Only resume makes sense after a revert.
    expect(html).toMatch(/data-action="resume" data-route="shop">/);
    expect(html).toMatch(/data-action="pause" data-route="shop" disabled>/);
  });

  it('escapes everything that comes from config or the API, also inside the embedded JSON', () => {
    const page = renderDashboardPage({ routes: [hostile], tokenRequired: true, assetVersions: {}, now: new Date(0) });
    expect(page).not.toContain('<img src=x>');
    expect(page).not.toContain('</script><script>alert(1)');
    expect(page).toContain('&lt;img src=x&gt;');
    expect(page).toContain('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>');
    expect(page).toContain('data-token-required="true"');
  });
});

describe('dashboard on the admin server', () => {
  it('serves the page and its assets with content types and caching, and nothing from elsewhere', async () => {
    const stable = await startUpstream('v1');
    const cutover = await startCutover(testConfig([{ name: 'web', stable: [stable.url] }]));
    const page = await fetch(`${cutover.adminUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<section class="route" id="route-web"');
    const links = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!).filter((l) => !l.startsWith('data:'));
    for (const link of links) expect(link.startsWith('/')).toBe(true);

    const assets = links.filter((l) => l.startsWith('/assets/'));
    expect(assets).toHaveLength(4);
    for (const asset of assets) {
      const res = await fetch(`${cutover.adminUrl}${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('content-type'), asset).toMatch(/^text\/(javascript|css); charset=utf-8$/);
      expect(res.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
      const etag = res.headers.get('etag')!;
      await res.arrayBuffer();
      const again = await fetch(`${cutover.adminUrl}${asset}`, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
    }
    // Imported by dashboard.js without a hash, so it is revalidated rather than cached for a year.
    const render = await fetch(`${cutover.adminUrl}/assets/render.js`);
    expect(render.headers.get('cache-control')).toBe('no-cache');
    expect(await render.text()).toContain('export function renderRouteSection');
  });
});

describe('dashboard: rollout.checks', () => {
  it('shows each check with its bound, last evaluation and failures, escaped', () => {
    const route: ApiRoute = {
      ...hostile,
      rollout: {
        ...hostile.rollout!,
        checks: [
          { name: 'checkout-failures', source: 'prometheus', bound: 'max 0.01', failureLimit: 2, noData: 'hold', evaluations: 3, failures: 2, outcome: 'fail', value: 0.2, stable: null, reason: '0.2 above max 0.01 <b>', at: '2026-01-01T00:00:02.000Z' },
          { name: 'cpu', source: 'prometheus', bound: 'tolerance 20% above stable', failureLimit: 1, noData: 'hold', evaluations: 0, failures: 0, outcome: null, value: null, stable: null, reason: null, at: null },
        ],
      },
    };
    const html = renderRouteSection(route);
    expect(html).toContain('<tr class="bad"><th scope="row">checkout-failures</th><td>prometheus</td><td>max 0.01</td><td>0.2 above max 0.01 &lt;b&gt;</td><td>2 of 2</td></tr>');
    expect(html).toContain('<th scope="row">cpu</th><td>prometheus</td><td>tolerance 20% above stable</td><td>not evaluated yet</td><td>0 of 1</td>');
  });
});
