// The dashboard's live half: charts (uPlot), updates from GET /api/v1/events, and the steering
// buttons. The page is already complete as server-rendered HTML; this only keeps it current.
import { PARTS, renderRouteSection } from './render.js';

const MAX_POINTS = 300; // five minutes at one stats event per second
const STALE_AFTER_MS = 4000; // no stats event for this long: poll instead, the server may lack SSE
const POLL_MS = 1000;
const TOKEN_KEY = 'cutover-admin-token';
const COLORS = { stable: '#2563eb', canary: '#d97706' };

const routesEl = document.getElementById('routes');
const connectionEl = document.getElementById('connection');
/** Per route: its chart data and uPlot instances, and the last cumulative counts for rates. */
const charts = new Map();

function setConnection(text, state) {
  connectionEl.textContent = text;
  connectionEl.dataset.state = state;
}

function chartOptions(kind, width) {
  const line = (label, stroke, dash) => ({ label, stroke, width: 2, ...(dash ? { dash: [6, 4] } : {}), spanGaps: true });
  const series = kind === 'latency'
    ? [{}, line('stable p50', COLORS.stable), line('stable p99', COLORS.stable, true), line('canary p50', COLORS.canary), line('canary p99', COLORS.canary, true)]
    : [{}, line('stable', COLORS.stable), line('canary', COLORS.canary)];
  return { width, height: 150, series, legend: { live: false }, cursor: { drag: { x: false, y: false } }, scales: { y: { range: (_u, min, max) => [0, Math.max(max, kind === 'errors' ? 1 : 0.001) * 1.1] } } };
}

function emptyData(kind) {
  return kind === 'latency' ? [[], [], [], [], []] : [[], [], []];
}

function ensureCharts(section) {
  const name = section.dataset.route;
  if (charts.has(name) || typeof uPlot === 'undefined') return charts.get(name);
  const entry = { plots: {}, data: {}, last: null };
  for (const fig of section.querySelectorAll('figure.chart')) {
    const kind = fig.dataset.chart;
    const holder = fig.querySelector('.plot');
    entry.data[kind] = emptyData(kind);
    entry.plots[kind] = new uPlot(chartOptions(kind, Math.max(200, holder.clientWidth)), entry.data[kind], holder);
  }
  charts.set(name, entry);
  return entry;
}

/** Rates from `live` when the server computes them, else from the change in cumulative counts. */
function pointOf(route, at, last) {
  const rate = (version) => {
    const v = route[version];
    if (!v) return { rps: null, err: null };
    const live = route.live?.[version];
    if (live) return { rps: live.rps, err: live.errorRate * 100 };
    const prev = last?.[version];
    if (!prev || at <= last.at) return { rps: null, err: null };
    const dReq = v.requests - prev.requests;
    const dFail = v.failures - prev.failures;
    return { rps: dReq / (at - last.at), err: dReq > 0 ? (dFail / dReq) * 100 : null };
  };
  return { stable: rate('stable'), canary: rate('canary') };
}

function pushPoint(entry, route, at) {
  const p = pointOf(route, at, entry.last);
  entry.last = { at, stable: { ...route.stable }, canary: route.canary ? { ...route.canary } : null };
  const lat = (version, q) => route.live?.[version]?.[q] || null;
  const rows = {
    rps: [at, p.stable.rps, p.canary.rps],
    errors: [at, p.stable.err, p.canary.err],
    latency: [at, lat('stable', 'p50Ms'), lat('stable', 'p99Ms'), lat('canary', 'p50Ms'), lat('canary', 'p99Ms')],
  };
  for (const [kind, row] of Object.entries(rows)) {
    const data = entry.data[kind];
    if (!data) continue;
    row.forEach((value, i) => data[i].push(value));
    if (data[0].length > MAX_POINTS) for (const s of data) s.shift();
    entry.plots[kind].setData(data);
  }
}

function update(routes, at) {
  for (const route of routes) {
    let section = document.getElementById(`route-${route.name}`);
    if (!section) {
      routesEl.insertAdjacentHTML('beforeend', renderRouteSection(route));
      section = document.getElementById(`route-${route.name}`);
    }
    for (const [part, render] of Object.entries(PARTS)) {
      const el = section.querySelector(`[data-part="${part}"]`);
      const html = render(route);
      if (el && el.innerHTML !== html) el.innerHTML = html;
    }
    const entry = ensureCharts(section);
    if (entry) pushPoint(entry, route, at);
  }
}

async function refresh() {
  const res = await fetch('/api/v1/routes', { cache: 'no-store' });
  if (!res.ok) throw new Error(`GET /api/v1/routes answered ${res.status}`);
  const body = await res.json();
  update(body.routes, Date.now() / 1000);
}

let lastStatsAt = 0;
let pollTimer = null;

function startPolling() {
  if (pollTimer) return;
  setConnection('live (polling every second)', 'polling');
  pollTimer = window.setInterval(() => refresh().catch(() => setConnection('cannot reach the admin API; retrying', 'down')), POLL_MS);
}

function connect() {
  const events = new EventSource('/api/v1/events');
  events.addEventListener('stats', (e) => {
    const data = JSON.parse(e.data);
    lastStatsAt = Date.now();
    if (pollTimer) {
      window.clearInterval(pollTimer);
      pollTimer = null;
    }
    setConnection('live', 'live');
    update(data.routes, Date.parse(data.at) / 1000);
  });
  // A transition is worth showing at once rather than at the next stats tick.
  events.addEventListener('transition', () => refresh().catch(() => {}));
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) startPolling();
    else setConnection('reconnecting…', 'down');
  });
  window.setInterval(() => {
    if (Date.now() - lastStatsAt > STALE_AFTER_MS) startPolling();
  }, STALE_AFTER_MS);
}

function flash(section, text, bad) {
  let el = section.querySelector('.steer-result');
  if (!el) {
    el = document.createElement('p');
    el.className = 'steer-result';
    section.querySelector('.route-head').after(el);
  }
  el.textContent = text;
  el.classList.toggle('bad', bad);
}

async function steer(route, action) {
  const send = () => {
    const token = window.sessionStorage.getItem(TOKEN_KEY);
    return fetch(`/api/v1/routes/${encodeURIComponent(route)}/${action}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  };
  let res = await send();
  if (res.status === 401) {
    const token = prompt('This proxy needs its admin token to steer a rollout (kept for this browser tab only):');
    if (!token) return { ok: false, text: `${action} cancelled: no token given` };
    window.sessionStorage.setItem(TOKEN_KEY, token.trim());
    res = await send();
    if (res.status === 401) window.sessionStorage.removeItem(TOKEN_KEY);
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) return { ok: false, text: `${action} refused: ${body.error?.message ?? `HTTP ${res.status}`}` };
  return { ok: true, text: `${action}: done` };
}

routesEl.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button) return;
  const section = button.closest('section.route');
  button.disabled = true;
  steer(button.dataset.route, button.dataset.action)
    .then((r) => flash(section, r.text, !r.ok), (err) => flash(section, `${button.dataset.action} failed: ${err.message}`, true))
    .finally(() => refresh().catch(() => {}));
});

window.addEventListener('resize', () => {
  for (const entry of charts.values()) {
    for (const plot of Object.values(entry.plots)) plot.setSize({ width: Math.max(200, plot.root.parentElement.clientWidth), height: 150 });
  }
});

const initial = JSON.parse(document.getElementById('initial-routes').textContent || '[]');
update(initial, Date.now() / 1000);
setConnection('connecting…', 'down');
connect();
