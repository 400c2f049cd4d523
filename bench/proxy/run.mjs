// npm run bench: one interleaved run (A B A B …) of every proxy against the same fast upstream.
// Writes bench/results/proxy.json and bench/results/proxy.md. Every load is bounded in time.
// Knobs (env): BENCH_ROUNDS=3 BENCH_SECONDS=5 BENCH_RATE=2000 BENCH_RSS_SECONDS=60
// BENCH_IDLE=10000 BENCH_TARGETS=a,b (subset) BENCH_QUICK=1 (a short smoke run).
// The added tail (tail.mjs, needs wrk): BENCH_TAIL_ROUNDS=5 BENCH_TAIL_SECONDS=6
// BENCH_TAIL_TARGETS=cutover,undici-bare,http-proxy,nginx; BENCH_TAIL_ONLY=1 runs only that phase and
// writes only bench/results/tail.{json,md}.
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HAS_NGINX, HAS_TASKSET, HAS_WRK, defineTargets, runLoad, startProcess, stopAll, usage } from './targets.mjs';
import { markdown, summarise } from './report.mjs';
import { tailMarkdown, tailRounds } from './tail.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const quick = process.env.BENCH_QUICK === '1';
const env = (name, dflt, quickValue) => Number(process.env[name] ?? (quick ? quickValue : dflt));
const cfg = {
  rounds: env('BENCH_ROUNDS', 3, 1),
  seconds: env('BENCH_SECONDS', 5, 2),
  rate: env('BENCH_RATE', 2000, 2000),
  rssSeconds: env('BENCH_RSS_SECONDS', 60, 6),
  idle: env('BENCH_IDLE', 10_000, 1000),
  connections: 50,
  loadgen: process.env.BENCH_LOADGEN ?? (HAS_WRK ? 'wrk' : 'autocannon'),
  tailRounds: env('BENCH_TAIL_ROUNDS', 5, 2),
  tailSeconds: env('BENCH_TAIL_SECONDS', 6, 3),
  tailTargets: (process.env.BENCH_TAIL_TARGETS ?? 'cutover,undici-bare,http-proxy,nginx').split(','),
  tailOnly: process.env.BENCH_TAIL_ONLY === '1',
};
const log = (...a) => console.error(...a);
const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-'));
process.on('exit', () => { stopAll(); rmSync(dir, { recursive: true, force: true }); });
process.on('SIGINT', () => process.exit(130));

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  taskset: HAS_TASKSET,
  nginx: HAS_NGINX ? execSync('nginx -v 2>&1').toString().trim() : 'not installed (skipped)',
  fdLimit: Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim()),
  date: new Date().toISOString(),
};
log('machine', machine, 'config', cfg);

const up = await startProcess(process.execPath, [join(root, 'bench/proxy/upstream.mjs'), '0', '0'], { cpus: '0' });
up.child.stdout.resume();
const [stablePort, canaryPort] = up.info.ports;
const all = defineTargets({ root, dir, stable: `http://127.0.0.1:${stablePort}`, canary: `http://127.0.0.1:${canaryPort}`, stablePort });
const wanted = process.env.BENCH_TARGETS?.split(',') ?? (cfg.tailOnly ? ['direct', ...cfg.tailTargets] : Object.keys(all));
const running = {};
for (const name of wanted) {
  if (!all[name]) { log(`skip ${name}: not available`); continue; }
  running[name] = await all[name]();
  log(`started ${name} at ${running[name].url}`);
}
const names = Object.keys(running);

/** One measured load against one target, with the target's CPU and RSS around it. */
async function measure(name, opts) {
  const t = running[name];
  const before = t.pid ? usage(t.pid) : null;
  const r = await runLoad(root, { url: t.url, ...opts });
  const after = t.pid ? usage(t.pid) : null;
  if (before && after) {
    r.cpuMsPer10k = r.requests > 0 ? ((after.cpuS - before.cpuS) * 1000 * 10_000) / r.requests : null;
    r.rssMB = after.rss / 2 ** 20;
    // Below 1 the proxy had time to spare: the load generator or the upstream set the pace.
    r.cpuUtil = (after.cpuS - before.cpuS) / opts.durationS;
    r.rpsPerCore = after.cpuS > before.cpuS ? r.requests / (after.cpuS - before.cpuS) : null;
    // A page read back from disk stalls the process without using CPU: a busy machine evicting memory.
    r.majorFaults = after.majorFaults - before.majorFaults;
  }
  return r;
}

// Warm every target's JIT and connection pools before anything counts.
for (const name of names) await measure(name, { mode: 'closed', loadgen: cfg.loadgen, connections: cfg.connections, durationS: quick ? 1 : 2 });

const rounds = [];
for (let i = 0; i < (cfg.tailOnly ? 0 : cfg.rounds); i++) {
  // Rotate the order so no target always runs first or after the same neighbour.
  const order = names.map((_, k) => names[(k + i) % names.length]);
  const round = {};
  for (const name of order) {
    const closed = await measure(name, { mode: 'closed', loadgen: cfg.loadgen, connections: cfg.connections, durationS: cfg.seconds });
    const paced = await measure(name, { mode: 'paced', connections: cfg.connections, rate: cfg.rate, durationS: cfg.seconds });
    round[name] = { closed, paced };
    log(`round ${i + 1} ${name}: ${Math.round(closed.rps)} req/s, p99 ${closed.p99.toFixed(2)} ms; paced p99 ${paced.p99.toFixed(2)} ms`);
  }
  rounds.push(round);
}

// The added tail at the fixed rate, paired with direct; only the pinned proxies the issue compares.
let tail = null;
const tailNames = ['direct', ...cfg.tailTargets.filter((n) => n !== 'direct' && running[n])];
if (!HAS_WRK) {
  tail = { skipped: 'wrk is not installed; the added-tail phase needs it (apt-get install wrk)' };
} else if (running.direct && tailNames.length > 1) {
  const t = await tailRounds({ measure, names: tailNames, rounds: cfg.tailRounds, seconds: cfg.tailSeconds, rate: cfg.rate, connections: cfg.connections, log });
  tail = { config: { rounds: cfg.tailRounds, seconds: cfg.tailSeconds, rate: cfg.rate, connections: cfg.connections }, ...t };
  const tailResult = { machine, loadAverage: loadavg(), ...tail };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/tail.json'), `${JSON.stringify(tailResult, null, 2)}\n`);
  writeFileSync(join(root, 'bench/results/tail.md'), `Machine: ${machine.nproc} × ${machine.cpu}, Node ${machine.node}, ${machine.nginx}; ${machine.date}; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}.\n\n${tailMarkdown(tail)}`);
}
if (cfg.tailOnly) {
  if (tail?.skipped) log(tail.skipped);
  else if (tail) process.stdout.write(tailMarkdown(tail));
  process.exit(0);
}

// RSS over a long closed-loop run against cutover: sampled every 5 s; flat means no growth after warm-up.
let rssOverTime = null;
if (running.cutover) {
  const samples = [];
  const pid = running.cutover.pid;
  const timer = setInterval(() => samples.push(Math.round(usage(pid).rss / 2 ** 20)), Math.min(5_000, cfg.rssSeconds * 250));
  const r = await runLoad(root, { url: running.cutover.url, mode: 'closed', loadgen: cfg.loadgen, connections: cfg.connections, durationS: cfg.rssSeconds });
  clearInterval(timer);
  rssOverTime = { seconds: cfg.rssSeconds, requests: r.requests, samplesMB: samples, growthMB: samples.length > 2 ? samples.at(-1) - samples[1] : null };
  log('rss over time', rssOverTime);
}

// 10k idle keep-alive client connections: RSS with them open. Needs two fds per connection on the proxy.
let idle = null;
if (running.cutover) {
  if (machine.fdLimit < cfg.idle + 1000) {
    idle = { skipped: `fd limit ${machine.fdLimit} is below ${cfg.idle + 1000}; raise it with ulimit -n` };
  } else {
    const pid = running.cutover.pid;
    const before = usage(pid).rss;
    const load = await runLoad(root, { url: running.cutover.url, mode: 'idle', count: cfg.idle, timeoutMs: 60_000 }, { holdStdin: true });
    const withIdle = usage(pid).rss;
    const end = await load.finish();
    idle = { connections: load.first.opened, failed: load.first.failed, stillOpenAtEnd: end?.stillOpen, rssBeforeMB: before / 2 ** 20, rssWithIdleMB: withIdle / 2 ** 20, perConnectionKB: (withIdle - before) / 1024 / Math.max(1, load.first.opened) };
  }
  log('idle', idle);
}

const summary = summarise(rounds, names);
const result = { machine, config: cfg, summary, rounds, rssOverTime, idle, tail };
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/proxy.json'), `${JSON.stringify(result, null, 2)}\n`);
const md = markdown(result) + (tail === null ? '' : tail.skipped ? `\nAdded tail: skipped, ${tail.skipped}.\n` : `\n${tailMarkdown(tail)}`);
writeFileSync(join(root, 'bench/results/proxy.md'), md);
process.stdout.write(md);
process.exit(0);
