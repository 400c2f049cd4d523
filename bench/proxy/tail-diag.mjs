// `node bench/proxy/tail-diag.mjs`: where a proxy's tail at a fixed rate comes from. Each proxy
// (cutover, and node-http-proxy and the bare undici proxy for comparison) runs pinned to core 1
// with `--trace-gc` and probe.mjs; wrk paced by paced.lua loads it from core 0 for a bounded
// time, and the probe's window covers exactly that load. Reports, per 10k requests: GC pauses
// (count, total, over 0.5/1/2 ms), bytes allocated (from --trace-gc's heap sizes), the
// event-loop delay percentiles, and with DIAG_ASYNC=1 the async resources (timers, immediates)
// created. Knobs: DIAG_SECONDS=10 DIAG_RATE=2000 DIAG_TARGETS=cutover,undici-bare,http-proxy
// DIAG_ASYNC=1 DIAG_CONCURRENT=1 DIAG_REPEAT=3 DIAG_PROF=1 DIAG_PROF_DIR=/tmp/prof DIAG_CLI=/other/dist/cli/main.js (another build as `cutover-alt`). Counts, not
// times, are the robust part on a shared machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutoverConfig, freePort, runLoad, startProcess, stopAll, waitReady } from './targets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const seconds = Number(process.env.DIAG_SECONDS ?? 10);
const rate = Number(process.env.DIAG_RATE ?? 2000);
const names = (process.env.DIAG_TARGETS ?? 'cutover,undici-bare,http-proxy').split(',');
const dir = mkdtempSync(join(tmpdir(), 'cutover-diag-'));
process.on('exit', () => { stopAll(); rmSync(dir, { recursive: true, force: true }); });
process.on('SIGINT', () => process.exit(130));
const probe = process.env.DIAG_PROBE ?? join(root, 'bench/proxy/probe.mjs');
// DIAG_PROF=1 adds a CPU profile (100 µs sampling) per proxy, written where DIAG_PROF_DIR says.
const profDir = process.env.DIAG_PROF_DIR ?? join(dir, 'prof');
const flags = ['--trace-gc', '--import', probe, ...(process.env.DIAG_PROF === '1' ? ['--cpu-prof', '--cpu-prof-interval', '100'] : [])];
const profFlags = (name) => (process.env.DIAG_PROF === '1' ? ['--cpu-prof-dir', join(profDir, name)] : []);

const up = await startProcess(process.execPath, [join(root, 'bench/proxy/upstream.mjs'), '0', '0'], { cpus: '0' });
up.child.stdout.resume();
const [stablePort, canaryPort] = up.info.ports;
const stable = `http://127.0.0.1:${stablePort}`;

/** Starts one proxy with the probe; resolves with its URL, child and a buffer of its stdout (the GC trace). */
async function start(name) {
  const env = { ...process.env, PROBE_OUT: join(dir, `${name}.json`), PROBE_ASYNC: process.env.DIAG_ASYNC ?? '0' };
  if (name.startsWith('cutover')) {
    const [port, adminPort] = [await freePort(), await freePort()];
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, cutoverConfig({ port, adminPort, stable, canary: `http://127.0.0.1:${canaryPort}`, workers: 1, dir }));
    // cutover-alt: another build (DIAG_CLI) and/or other node flags (DIAG_ALT_FLAGS="--single-threaded-gc").
    const cli = name === 'cutover-alt' ? process.env.DIAG_CLI ?? join(root, 'dist/cli/main.js') : join(root, 'dist/cli/main.js');
    const extra = name === 'cutover-alt' ? (process.env.DIAG_ALT_FLAGS ?? '').split(' ').filter(Boolean) : [];
    const child = spawn('taskset', ['-c', '1', process.execPath, ...flags, ...extra, ...profFlags(name), cli, 'start', '-c', file], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const trace = collect(child);
    await waitReady(`http://127.0.0.1:${adminPort}/readyz`);
    return { url: `http://127.0.0.1:${port}/`, child, trace, out: env.PROBE_OUT };
  }
  const script = { 'undici-bare': 'undici-bare.mjs', 'http-proxy': 'http-proxy.mjs' }[name];
  const child = spawn('taskset', ['-c', '1', process.execPath, ...flags, ...profFlags(name), join(root, 'bench/proxy', script), stable, '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const trace = collect(child);
  const port = await new Promise((resolve) => {
    const poll = setInterval(() => {
      const m = /\{"port":(\d+)\}/.exec(trace.text);
      if (m) { clearInterval(poll); resolve(Number(m[1])); }
    }, 20);
  });
  return { url: `http://127.0.0.1:${port}/`, child, trace, out: env.PROBE_OUT };
}

function collect(child) {
  const trace = { text: '' };
  child.stdout.on('data', (d) => { trace.text += d; });
  return trace;
}

/** Bytes allocated between the window's GC lines: each GC's heap size before, minus the previous one's after. */
function allocatedMB(lines) {
  let total = 0;
  let prevAfter = null;
  for (const line of lines) {
    const m = /(Scavenge|Mark-Compact|Mark-sweep)[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/.exec(line);
    if (!m) continue;
    const before = Number(m[2]);
    const after = Number(m[4]);
    if (prevAfter !== null && before > prevAfter) total += before - prevAfter;
    prevAfter = after;
  }
  return total;
}

/** One measured window on a started proxy: its load, and the probe's and the GC trace's view of it. */
async function window(name, t) {
  const mark = t.trace.text.length;
  t.child.kill('SIGUSR2');
  const load = await runLoad(root, { url: t.url, mode: 'paced-wrk', connections: 50, rate, durationS: seconds });
  t.child.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 300));
  const p = JSON.parse(readFileSync(t.out, 'utf8'));
  const gcLines = t.trace.text.slice(mark).split('\n').filter((l) => / ms: /.test(l));
  if (process.env.DIAG_PROF_DIR) writeFileSync(join(process.env.DIAG_PROF_DIR, `${name}-gc.txt`), gcLines.join('\n'));
  const per10k = (x) => (x * 10_000) / load.requests;
  return {
    requests: load.requests,
    p50: load.p50, p90: load.p90, p99: load.p99, p999: load.p999, late: load.late,
    cpuMsPer10k: per10k(p.cpuMs),
    gcPer10k: per10k(p.gc.count), gcMsPer10k: per10k(p.gc.totalMs), gcMaxMs: p.gc.maxMs,
    gcOver05Per10k: per10k(p.gc.over05), gcOver1Per10k: per10k(p.gc.over1), gcByKind: p.gc.byKind,
    allocatedKBPerRequest: (allocatedMB(gcLines) * 1024) / load.requests,
    loopDelayMs: p.loopDelayMs,
    asyncPerRequest: Object.fromEntries(Object.entries(p.asyncResources).map(([k, v]) => [k, v / load.requests])),
  };
}

async function stop(t) {
  t.child.kill('SIGTERM');
  // The profile is written on exit.
  await new Promise((r) => (t.child.exitCode === null ? t.child.once('exit', r) : r()));
}

// Sequential by default. DIAG_CONCURRENT=1 loads every proxy at once, each with its own wrk: on
// a shared machine they then share the same noise at the same moment, which makes their tails
// comparable (A/B of two builds, or cutover against a peer), at the price of loading core 1 with
// all of them together. DIAG_REPEAT=N repeats the concurrent window.
const results = {};
if (process.env.DIAG_CONCURRENT === '1') {
  const started = {};
  for (const name of names) started[name] = await start(name);
  try {
    await Promise.all(names.map((n) => runLoad(root, { url: started[n].url, mode: 'paced-wrk', connections: 50, rate, durationS: 3 })));
    for (let i = 0; i < Number(process.env.DIAG_REPEAT ?? 1); i++) {
      const ws = await Promise.all(names.map((n) => window(n, started[n])));
      names.forEach((n, k) => { (results[n] ??= []).push(ws[k]); console.error(n, JSON.stringify(ws[k])); });
    }
  } finally {
    for (const n of names) await stop(started[n]);
  }
} else {
  for (const name of names) {
    const t = await start(name);
    try {
      // Warm the JIT and the pools, then measure only the paced window.
      await runLoad(root, { url: t.url, mode: 'paced-wrk', connections: 50, rate, durationS: 3 });
      results[name] = await window(name, t);
      console.error(name, JSON.stringify(results[name]));
    } finally {
      await stop(t);
    }
  }
}
process.stdout.write(`${JSON.stringify({ seconds, rate, results }, null, 2)}\n`);
process.exit(0);
