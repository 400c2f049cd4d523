import { esc, renderRouteSection } from './assets/render.js';
import type { ApiRoute } from './dashboard-model.js';

export interface DashboardPage {
  routes: ApiRoute[];
  tokenRequired: boolean;
  /** Content hash per asset file, appended as ?v= so a new build is never served from a stale cache. */
  assetVersions: Record<string, string>;
  now: Date;
}

/** JSON inside <script type="application/json">: escaping "<" keeps "</script>" in a route's reason from ending the block. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * The whole page. Every number is in the HTML, so it reads without JavaScript (and in `curl`);
 * the script then takes over: charts, live updates over /api/v1/events, and the steering buttons.
 */
export function renderDashboardPage(page: DashboardPage): string {
  const asset = (file: string): string => `/assets/${file}?v=${esc(page.assetVersions[file] ?? '')}`;
  const sections = page.routes.length > 0 ? page.routes.map((r) => renderRouteSection(r)).join('\n') : '<p>No routes configured.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cutover</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('vendor/uPlot.min.css')}">
<link rel="stylesheet" href="${asset('dashboard.css')}">
<script src="${asset('vendor/uPlot.iife.min.js')}" defer></script>
<script type="module" src="${asset('dashboard.js')}"></script>
</head>
<body data-token-required="${page.tokenRequired}">
<header class="top">
<h1>cutover</h1>
<span id="connection" class="connection">snapshot at ${esc(page.now.toISOString().slice(11, 19))} UTC; reload for fresh numbers</span>
<nav><a href="/api/v1/routes">routes JSON</a> · <a href="/metrics">metrics</a> · <a href="/readyz">readiness</a></nav>
</header>
<noscript><p class="noscript">JavaScript is off: this is a snapshot without charts. Steer from a terminal with <code>cutover pause|resume|promote|abort ROUTE</code>.</p></noscript>
<main id="routes">
${sections}
</main>
<script type="application/json" id="initial-routes">${embedJson(page.routes)}</script>
</body>
</html>
`;
}
