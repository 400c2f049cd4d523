// `node bench/proxy/profile-summary.mjs FILE.cpuprofile [minBusyMs]`: what keeps a proxy's event
// loop busy in one stretch, from a `--cpu-prof` profile. Consecutive non-idle samples form a busy
// stretch (the loop is running JS, GC or native code for one or more callbacks in a row); a
// request that arrives during a stretch waits for its end, so long stretches are the tail.
// Prints the stretches longer than minBusyMs (default 0.5) grouped by what they contain, and the
// inclusive time of the periodic tasks named in issue 15.
import { readFileSync } from 'node:fs';

const [file, minArg] = process.argv.slice(2);
const minBusyMs = Number(minArg ?? 0.5);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const nameOf = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|dist|src|lib)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const idle = new Set(prof.nodes.filter((n) => ['(idle)', '(program)'].includes(n.callFrame.functionName)).map((n) => n.id));

// The stack of a sample, innermost first.
function stack(id) {
  const out = [];
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) out.push(byId.get(cur));
  return out;
}

const PERIODIC = [
  ['warm keeper', /warm-keeper/],
  ['health checks', /health-check/],
  ['rollout controller tick', /rollout\/controller/],
  ['admin events', /admin\/events/],
  ['prom-client', /prom-client/],
  ['undici fast timers (onTick)', /^onTick .*timers\.js/],
  ['node http connections check', /^checkConnections /],
  ['garbage collector', /^\(garbage collector\)/],
];

const stretches = [];
let cur = null;
let t = prof.startTime;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0;
  t += dt;
  const id = prof.samples[i];
  if (idle.has(id)) {
    if (cur) stretches.push(cur);
    cur = null;
    continue;
  }
  cur ??= { start: t, end: t, samples: [] };
  cur.end = t;
  cur.samples.push(id);
}
if (cur) stretches.push(cur);

const interval = (prof.endTime - prof.startTime) / prof.samples.length;
const totals = Object.fromEntries(PERIODIC.map(([k]) => [k, 0]));
const long = [];
for (const s of stretches) {
  const ms = (s.end - s.start + interval) / 1000;
  const tags = new Set();
  for (const id of s.samples) {
    const names = stack(id).map(nameOf);
    for (const [k, re] of PERIODIC) {
      if (names.some((n) => re.test(n))) { tags.add(k); totals[k] += interval / 1000; }
    }
  }
  if (ms >= minBusyMs) long.push({ ms, tags: [...tags].sort().join(' + ') || 'requests only' });
}
const seconds = (prof.endTime - prof.startTime) / 1e6;
console.log(`${file}: ${seconds.toFixed(1)} s, ${stretches.length} busy stretches, sampling every ${interval.toFixed(0)} µs`);
const groups = {};
for (const l of long) (groups[l.tags] ??= []).push(l.ms);
console.log(`busy stretches ≥ ${minBusyMs} ms: ${long.length}`);
for (const [k, v] of Object.entries(groups).sort((a, b) => b[1].length - a[1].length)) {
  v.sort((a, b) => a - b);
  console.log(`  ${String(v.length).padStart(5)} × ${k}: median ${v[Math.floor(v.length / 2)].toFixed(2)} ms, max ${v.at(-1).toFixed(2)} ms`);
}
console.log('inclusive time of the periodic work (ms over the whole profile):');
for (const [k, v] of Object.entries(totals)) console.log(`  ${k}: ${v.toFixed(1)}`);
