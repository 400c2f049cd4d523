// npm run bench:switch — does moving traffic cost anything?
//
// autocannon drives a steady, rate-bounded load through the proxy to two real upstreams
// (v1, v2; their own process). During the run the weight moves 0 → 1 → 10 → 50 → 100 → 0,
// the config is reloaded ten times, and after a promotion the roles are swapped (stable :=
// the canary's endpoints). Reported: failed requests, new upstream connections after the
// warm-up (counted by the upstreams themselves), and p99 in the second after each switch
// against steady-state p99. Every switch is followed by two seconds: the first is its
// window, the second (no switch) is the steady-state control taken under the same
// conditions, which keeps a shared machine's drift out of the ratio. The same schedule
// runs against a node-http-proxy baseline that can only change its target by restarting.
// Loopback only; about two minutes in total.
import { fork } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const RATE = Number(process.env.SWITCH_RATE ?? 1500); // requests per second, over all connections
const CONNECTIONS = Number(process.env.SWITCH_CONNECTIONS ?? 8);
const WARM = 16; // ≥ CONNECTIONS: every connection the load can need is warm on both versions
const WARMUP_MS = 3_000;
const STEADY_MS = 5_000;
const WINDOW_MS = 1_000; // "the seconds around a switch": from the switch to one second after
const DWELL_MS = 2 * WINDOW_MS; // the switch's window, then its no-switch control window

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A child process spoken to over IPC: call(msg) resolves with the reply carrying the same id. */
function child(script, args) {
  const proc = fork(join(here, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  let next = 0;
  let onReady;
  const ready = new Promise((resolve, reject) => {
    onReady = resolve;
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  proc.on('message', (msg) => {
    if (msg.ready) return onReady(msg);
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  });
  const call = (msg) => new Promise((resolve) => {
    const id = ++next;
    waiting.set(id, resolve);
    proc.send({ ...msg, id });
  });
  const stop = async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  return { proc, ready, call, stop };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const p99 = (values) => quantile([...values].sort((a, b) => a - b), 0.99);

/** cutover: steered in place over IPC. */
async function cutoverSystem(urls) {
  const proxy = child('cutover-proxy.mjs', [urls.v1, urls.v2, String(WARM)]);
  const { url } = await proxy.ready;
  return {
    name: 'cutover',
    url,
    setWeight: (weight) => proxy.call({ op: 'weight', weight }),
    reload: () => proxy.call({ op: 'reload' }),
    swap: () => proxy.call({ op: 'swap' }),
    stop: proxy.stop,
  };
}

/** node-http-proxy: every change is a restart on the same port. */
async function baselineSystem(urls) {
  let roles = { stable: urls.v1, canary: urls.v2 };
  let weight = 0;
  let current = child('http-proxy-baseline.mjs', ['0', roles.stable, roles.canary, '0']);
  const { url } = await current.ready;
  const port = new URL(url).port;
  const restart = async () => {
    await current.stop();
    current = child('http-proxy-baseline.mjs', [port, roles.stable, roles.canary, String(weight)]);
    await current.ready;
  };
  return {
    name: 'node-http-proxy (restart to switch)',
    url,
    setWeight: async (w) => {
      weight = w;
      await restart();
    },
    reload: restart,
    swap: async () => {
      roles = { stable: roles.canary, canary: roles.stable };
      weight = 0;
      await restart();
    },
    stop: () => current.stop(),
  };
}

async function run(makeSystem, upstreams) {
  const system = await makeSystem(upstreams.urls);
  const t0 = performance.now();
  const samples = []; // [ms since start, latency ms, status]
  let failed = 0;
  const instance = autocannon({ url: system.url, connections: CONNECTIONS, overallRate: RATE, duration: 600, timeout: 5 });
  const done = new Promise((resolve) => instance.once('done', resolve));
  instance.on('response', (_client, status, _bytes, latency) => {
    samples.push([performance.now() - t0, latency]);
    if (status !== 200) failed++;
  });
  instance.on('reqError', () => failed++);

  await sleep(WARMUP_MS);
  const before = (await upstreams.call({ op: 'connections' })).connections;
  const steadyFrom = performance.now() - t0;
  await sleep(STEADY_MS);
  const steadyTo = performance.now() - t0;
  const events = [];
  const mark = async (label, action) => {
    const at = performance.now() - t0;
    await action();
    events.push({ label, at });
  };
  for (const w of [1, 10, 50, 100, 0]) {
    await mark(`weight → ${w}`, () => system.setWeight(w));
    await sleep(DWELL_MS);
  }
  for (let i = 1; i <= 10; i++) {
    await mark(`reload ${i}`, () => system.reload());
    await sleep(DWELL_MS);
  }
  await mark('weight → 100 (promote)', () => system.setWeight(100));
  await sleep(DWELL_MS);
  await mark('swap roles', () => system.swap());
  await sleep(DWELL_MS);
  const after = (await upstreams.call({ op: 'connections' })).connections;
  instance.stop();
  const result = await done;
  await system.stop();

  const latencies = (from, to) => samples.filter(([t]) => t >= from && t < to).map(([, l]) => l);
  const steady = p99(latencies(steadyFrom, steadyTo));
  const inWindows = (offset) => samples.filter(([t]) => events.some((e) => t >= e.at + offset && t < e.at + offset + WINDOW_MS)).map(([, l]) => l);
  const control = p99(inWindows(WINDOW_MS));
  const perEvent = events.map((e) => {
    const p = p99(latencies(e.at, e.at + WINDOW_MS));
    // Against the 5 s before any switch: a restarting baseline has no clean control windows.
    return { label: e.label, p99: p, ratio: p / steady, answers: latencies(e.at, e.at + WINDOW_MS).length };
  });
  return {
    name: system.name,
    requests: result.requests.total,
    failed: failed + result.timeouts,
    newConnections: after.v1 + after.v2 - before.v1 - before.v2,
    steadyP99: steady,
    controlP99: control,
    switchP99: p99(inWindows(0)),
    worstRatio: Math.max(...perEvent.map((e) => (Number.isFinite(e.ratio) ? e.ratio : Infinity))),
    medianRatio: quantile(perEvent.map((e) => (Number.isFinite(e.ratio) ? e.ratio : Infinity)).sort((a, b) => a - b), 0.5),
    perEvent,
  };
}

const loadBefore = loadavg()[0];
const upstreams = child('upstreams.mjs', []);
const { urls } = await upstreams.ready;
const started = performance.now();
const results = [];
for (const make of [cutoverSystem, baselineSystem]) {
  results.push(await run(make, { urls, call: upstreams.call }));
}
await upstreams.stop();
const seconds = Math.round((performance.now() - started) / 1000);

const fmt = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '∞');
const command = 'npm run bench:switch';
const lines = [
  '# Switching benchmark',
  '',
  `Command: \`${command}\` (bench/switch/run.mjs), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${seconds} s in total.`,
  `Load: autocannon, ${CONNECTIONS} connections, ${RATE} requests/s in total, 100-byte answers, all on 127.0.0.1; cutover with \`upstream.warm: ${WARM}\`.`,
  `Machine: ${cpus().length} cores, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after the run (other work shares it: a window that got far fewer than ${RATE} answers was starved of CPU).`,
  'Schedule: weight 0 → 1 → 10 → 50 → 100 → 0, ten config reloads, weight 100, then the role swap; 2 s after each.',
  'Each switch is followed by 2 s: the first second is its window, the second (nothing changes) is the steady-state control.',
  '"switch ÷ steady" is p99 over all switch windows ÷ p99 over all control windows; the 5 s before the first switch are shown as a second reference.',
  '',
  '| proxy | answers | failed (errors, non-2xx, timeouts) | new upstream connections after warm-up | switch p99 ÷ steady p99 | switch p99 ÷ first-5 s p99 | median single switch ÷ first-5 s p99 | worst single switch ÷ first-5 s p99 |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.name} | ${r.requests} | ${r.failed} | ${r.newConnections} | ${fmt(r.switchP99 / r.controlP99)}× | ${fmt(r.switchP99 / r.steadyP99)}× | ${fmt(r.medianRatio)}× | ${fmt(r.worstRatio)}× |`),
  '',
  'Targets: 0 failed, 0 new connections, ≤ 1.2× p99. Absolute milliseconds depend on the machine, so only ratios are shown; "∞" means no answer at all in that second.',
  '',
  '## Per switch (p99 in the second after it ÷ p99 of the 5 s before the first switch)',
  '',
  `| switch | ${results.map((r) => `${r.name} (answers in the second)`).join(' | ')} |`,
  `| --- | ${results.map(() => '---:').join(' | ')} |`,
  ...results[0].perEvent.map((e, i) => `| ${e.label} | ${results.map((r) => `${fmt(r.perEvent[i].ratio)}× (${r.perEvent[i].answers})`).join(' | ')} |`),
  '',
];
const report = lines.join('\n');
await mkdir(join(here, '..', 'results'), { recursive: true });
await writeFile(join(here, '..', 'results', 'switch.md'), report);
await writeFile(join(here, '..', 'results', 'switch.json'), JSON.stringify({ rate: RATE, connections: CONNECTIONS, warm: WARM, results }, null, 2) + '\n');
process.stdout.write(report);
