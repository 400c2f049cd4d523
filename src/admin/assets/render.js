// Renders a route of GET /api/v1/routes as HTML. One module for both sides: the admin server
// imports it to render the page (readable without JavaScript), and the browser imports the very
// same file to re-render on every server-sent event, so the two can never drift apart.
// Plain JavaScript with no imports, because browsers load it as is; types in render.d.ts.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function formatPercent(fraction, digits = 2) {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)} %`;
}

export function formatMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return '–';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function formatCount(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** An e-value from its log, the way people read it: ×3.2, ×1,200, ×1e6. */
export function formatEValue(logE) {
  const e = Math.exp(logE);
  if (!Number.isFinite(e)) return '×∞';
  if (e >= 1e5) return `×${e.toExponential(0).replace('+', '')}`;
  if (e >= 100) return `×${formatCount(e)}`;
  return `×${e < 10 ? e.toFixed(2) : e.toFixed(1)}`;
}

/**
 * One test's evidence in words. An e-value is the factor by which the data favour one answer
 * over the other; the controller acts when it crosses the threshold.
 */
export function describeEvidence(t, verdict) {
  const revertAt = verdict.revertLogThreshold;
  const advanceAt = verdict.advanceLogThreshold;
  const forIt = t.accepted
    ? 'shown within tolerance'
    : `evidence it is within tolerance ${formatEValue(t.advanceLogE)}${advanceAt !== undefined ? ` (passes at ${formatEValue(advanceAt)})` : ''}`;
  const against = `evidence of a regression ${formatEValue(t.revertLogE)}${revertAt !== undefined ? ` (reverts at ${formatEValue(revertAt)})` : ''}`;
  const events = `${formatCount(t.canaryEvents)} canary vs ${formatCount(t.stableEvents)} stable events`;
  return `${t.label}: ${t.rejected ? 'REGRESSION, ' : ''}${forIt}; ${against}; ${events}`;
}

/** "step 2 of 4 (25 %)", or the plain split when the route has no rollout. */
export function describeStep(route) {
  const r = route.rollout;
  if (!r) return `weight ${route.weight} %`;
  if (route.phase === 'shadowing') return `shadow step: ${r.shadow ? `${r.shadow.share} % of ${r.shadow.methods.join('/')} mirrored, ` : ''}no user on the canary`;
  if (r.step < 0) return `before the first step (${r.steps.map((s) => `${s} %`).join(' → ')})`;
  return `step ${r.step + 1} of ${r.steps.length} (${r.steps[r.step] ?? route.weight} %)`;
}

/** Which steering buttons make sense in a phase; the API has the last word and says why. */
export function allowedActions(route) {
  if (!route.canary) return [];
  switch (route.phase) {
    case 'shadowing':
    case 'progressing': return ['pause', 'promote', 'abort'];
    case 'paused': return ['resume', 'promote', 'abort'];
    case 'reverted': return ['resume'];
    case 'promoted': return ['abort'];
    default: return route.rollout ? ['pause', 'promote', 'abort'] : [];
  }
}

export function renderSummary(route) {
  const match = `${route.match.host ?? '*'}${route.match.pathPrefix}`;
  const revision = route.revision ? ` · canary revision <b>${esc(route.revision)}</b>` : '';
  return `<span class="phase phase-${esc(route.phase)}">${esc(route.phase)}</span>` +
    ` <span class="weight"><b>${esc(route.weight)} %</b> to canary</span> · ${esc(describeStep(route))}` +
    ` <span class="muted">· matches ${esc(match)}${revision}</span>`;
}

export function renderTimeline(route) {
  const r = route.rollout;
  if (!r) return `<p class="muted">No rollout block: the split is static at ${esc(route.weight)} %.</p>`;
  const items = r.steps.map((s, i) => {
    const state = i < r.step || route.phase === 'promoted' ? 'done' : i === r.step ? 'current' : 'todo';
    return `<li class="step step-${state}">${esc(s)} %</li>`;
  });
  if (route.phase === 'promoted') items.push('<li class="step step-end step-promoted">promoted</li>');
  if (route.phase === 'reverted') items.push('<li class="step step-end step-reverted">reverted</li>');
  return `<ol class="timeline" aria-label="rollout steps">${items.join('')}</ol>`;
}

function versionRow(name, v, live) {
  if (!v) return `<tr><th scope="row">${name}</th><td colspan="8" class="muted">no canary configured</td></tr>`;
  // An endpoint whose health is still unknown (never connected, never checked) is not counted healthy.
  const healthy = v.endpoints.filter((e) => e.healthy && !e.ejected && e.health !== 'unknown').length;
  const cells = [
    `${healthy}/${v.endpoints.length}`,
    live ? live.rps.toFixed(1) : '–',
    formatPercent(live ? live.errorRate : v.errorRate),
    formatMs(live?.p50Ms), formatMs(live?.p90Ms), formatMs(live?.p99Ms),
    formatCount(v.requests), formatCount(v.failures),
  ];
  return `<tr><th scope="row">${name}</th>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
}

export function renderVersions(route) {
  return '<table class="versions"><thead><tr><th>version</th><th title="healthy endpoints / all">endpoints</th><th>req/s</th>' +
    '<th>error rate</th><th>p50</th><th>p90</th><th>p99</th><th>requests</th><th>failures</th></tr></thead><tbody>' +
    versionRow('stable', route.stable, route.live?.stable) + versionRow('canary', route.canary, route.live?.canary ?? undefined) +
    '</tbody></table>';
}

/** rollout.checks: what each last said, its bound and its failures in the step. */
export function renderChecks(rollout) {
  const checks = rollout?.checks ?? [];
  if (checks.length === 0) return '';
  const rows = checks.map((c) => {
    const said = c.outcome === null ? 'not evaluated yet' : c.reason ?? c.outcome;
    const cls = c.outcome === 'pass' ? 'good' : c.outcome === 'fail' ? 'bad' : '';
    return `<tr class="${cls}"><th scope="row">${esc(c.name)}</th><td>${esc(c.source)}</td><td>${esc(c.bound)}</td>` +
      `<td>${esc(said)}</td><td>${esc(c.failures)} of ${esc(c.failureLimit)}</td></tr>`;
  });
  return '<table class="checks"><thead><tr><th>check</th><th>source</th><th>bound</th><th>last evaluation</th><th>failures</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`;
}

/**
 * The shadow step: its verdict and the latest mismatches (already redacted by the proxy: no
 * Authorization, cookies or configured headers, no query string).
 */
export function renderShadow(route) {
  const s = route.rollout?.shadow;
  if (!s || (!s.active && !s.verdict && s.mismatches.length === 0)) return '';
  const v = s.verdict;
  const counts = v ? `${formatCount(v.matches)} match, ${formatCount(v.mismatches)} mismatch, ${formatCount(v.errors)} error, ${formatCount(v.dropped)} dropped` : 'no pairs yet';
  const head = `<p><b>Shadow step${v ? `: ${esc(v.outcome)}` : ''}</b> — ${esc(v ? v.reason : 'waiting for the first mirrored requests')}</p><p class="muted">${esc(counts)} (tolerance ${formatPercent(s.mismatchTolerance, 1)})</p>`;
  const rows = s.mismatches.slice().reverse().map((m) =>
    `<tr><td><time datetime="${esc(m.at)}">${esc(m.at.slice(11, 19))}</time></td><td>${esc(m.method)} ${esc(m.path)}</td><td>${esc(m.part)}</td><td><code>${esc(m.diff)}</code></td></tr>`).join('');
  const table = rows ? `<table class="mismatches"><thead><tr><th>time (UTC)</th><th>request</th><th>differs in</th><th>diff</th></tr></thead><tbody>${rows}</tbody></table>` : '';
  return `<div class="shadow verdict-${esc(v?.outcome ?? 'pending')}">${head}${table}</div>`;
}

export function renderVerdict(route) {
  const r = route.rollout;
  if (!r) return '';
  const v = r.verdict;
  if (!v) return `<div class="verdict"><p><b>Verdict:</b> none yet${r.reason ? ` — ${esc(r.reason)}` : ''}</p>${renderChecks(r)}</div>${renderShadow(route)}`;
  const tests = v.tests.map((t) => `<li class="${t.rejected ? 'bad' : t.accepted ? 'good' : ''}">${esc(describeEvidence(t, v))}</li>`).join('');
  const split = `split check: evidence the split is broken ${formatEValue(v.srmLogE)}`;
  return `<div class="verdict verdict-${esc(v.outcome)}"><p><b>Verdict: ${esc(v.outcome)}</b> — ${esc(v.reason)}</p>` +
    `<p class="muted">this step: canary ${formatCount(v.canary.requests)} requests (${formatCount(v.canary.failures)} failed), ` +
    `stable ${formatCount(v.stable.requests)} (${formatCount(v.stable.failures)} failed), ${(v.elapsedMs / 1000).toFixed(0)} s; ${esc(split)}</p>` +
    `<ul class="evidence">${tests}</ul>${renderChecks(r)}</div>${renderShadow(route)}`;
}

const HISTORY_ROWS = 20;

export function renderHistory(route) {
  const history = route.history ?? [];
  if (history.length === 0) return '<p class="muted">No transitions yet.</p>';
  const rows = history.slice(-HISTORY_ROWS).reverse().map((t) =>
    `<tr><td><time datetime="${esc(t.at)}">${esc(t.at.slice(11, 19))}</time></td><td>${esc(t.from)} → <b>${esc(t.to)}</b></td>` +
    `<td>${esc(t.weight)} %</td><td>${esc(t.reason)}</td></tr>`);
  return `<table class="history"><thead><tr><th>time (UTC)</th><th>phase</th><th>weight</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderActions(route) {
  const allowed = new Set(allowedActions(route));
  return ['pause', 'resume', 'promote', 'abort'].map((a) =>
    `<button type="button" class="action action-${a}" data-action="${a}" data-route="${esc(route.name)}"${allowed.has(a) ? '' : ' disabled'}>${a}</button>`).join('');
}

const CHARTS = [['rps', 'Requests per second'], ['errors', 'Error rate (%)'], ['latency', 'Latency p50 / p99 (ms)']];

export function renderRouteSection(route) {
  const charts = CHARTS.map(([id, title]) => `<figure class="chart" data-chart="${id}"><figcaption>${title}</figcaption><div class="plot"></div></figure>`).join('');
  return `<section class="route" id="route-${esc(route.name)}" data-route="${esc(route.name)}">` +
    `<header class="route-head"><h2>${esc(route.name)}</h2><div class="summary" data-part="summary">${renderSummary(route)}</div>` +
    `<div class="actions" data-part="actions">${renderActions(route)}</div></header>` +
    `<div data-part="timeline">${renderTimeline(route)}</div>` +
    `<div class="charts">${charts}</div>` +
    '<div class="details"><div class="numbers">' +
    `<div data-part="versions">${renderVersions(route)}</div><div data-part="verdict">${renderVerdict(route)}</div></div>` +
    `<div class="transitions"><h3>Transitions</h3><div data-part="history">${renderHistory(route)}</div></div></div>` +
    '</section>';
}

/** The parts the browser replaces on every update, by their data-part name. */
export const PARTS = { summary: renderSummary, actions: renderActions, timeline: renderTimeline, versions: renderVersions, verdict: renderVerdict, history: renderHistory };
