// npm run bench:fleet — does a fleet decide as well as one proxy, and does it survive its faults?
//
// Real processes (`node dist/cli/main.js start`), a real redis-server on a free loopback port,
// two real upstreams in this process (stable healthy, canary failing 5 % of requests: +5 points).
// Interleaved A/B, repeated: A = one proxy seeing all the traffic, B = three replicas sharing it
// round-robin; the same bounded load (fixed concurrency, same upstream latency) in both. Reported
// as ratios from this one run:
//   1. time from the first step to the revert, fleet ÷ single (target ≤ 1.2);
//   2. spread between the first and the last replica applying a decision (revert, and operator
//      weights set on the leader), p50/p99 (target p99 ≤ 1 s);
//   3. leader failover: SIGKILL of the leader → another replica decides (leaseTtl 3 s);
//   4. failed client requests across a leader kill and across a 10 s Redis outage (target 0);
//   5. Redis commands per second per replica, idle vs under load: the ratio shows it does not
//      depend on the request rate.
// Loopback only; every loop is bounded in count and time; about three minutes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createNetServer, createConnection } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '../../dist/cli/main.js');
const ROUNDS = Number(process.env.FLEET_ROUNDS ?? 3);
const CONCURRENCY = 6;
/** The decision comparison runs at a fixed rate below capacity, so both sides see the same evidence per second. */
const RATE = Number(process.env.FLEET_RATE ?? 400);
const REVERT_DEADLINE_MS = 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

const cleanups = [];
process.on('exit', () => { for (const c of cleanups) try { c(); } catch { /* gone */ } });

async function freePort() {
  const s = createNetServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = s.address().port;
  s.close();
  await once(s, 'close');
  return port;
}

async function startRedis() {
  const port = await freePort();
  const launch = async () => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    cleanups.push(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise((resolve) => child.stdout.on('data', (c) => { out += c; if (out.includes('Ready to accept')) resolve(); }));
    child.stdout.resume();
    return child;
  };
  const r = { port, url: `redis://127.0.0.1:${port}/0`, child: await launch() };
  r.kill = async () => { if (r.child.exitCode === null && r.child.signalCode === null) { r.child.kill('SIGKILL'); await once(r.child, 'exit'); } };
  r.restart = async () => { await r.kill(); r.child = await launch(); };
  return r;
}

/** INFO stats total_commands_processed over a raw RESP connection (no client library needed). */
async function commandsProcessed(port) {
  const sock = createConnection(port, '127.0.0.1');
  sock.setEncoding('utf8');
  sock.write('*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n');
  let text = '';
  for await (const chunk of sock) {
    text += chunk;
    const m = /total_commands_processed:(\d+)\r\n/.exec(text);
    if (m) { sock.destroy(); return Number(m[1]); }
  }
  return Number(/total_commands_processed:(\d+)/.exec(text)?.[1] ?? NaN);
}

function upstream(name, errorRate) {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    const i = n++;
    const fail = errorRate > 0 && i % Math.round(1 / errorRate) === 0;
    setTimeout(() => { res.writeHead(fail ? 500 : 200); res.end(name); }, 2 + (i * 7919) % 6);
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

async function startProxy(dir, name, routes, fleet) {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, stringify({
    listen: '127.0.0.1:0', admin: { listen: '127.0.0.1:0' }, stateFile: join(dir, `${name}-state.json`), drainTimeout: '2s',
    log: { level: 'info' }, ...(fleet ? { fleet } : {}), routes,
  }));
  const child = spawn(process.execPath, [CLI, 'start', '-c', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill('SIGKILL'));
  let buf = '';
  child.stdout.setEncoding('utf8');
  const started = await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      buf += c;
      for (const line of buf.split('\n')) {
        try { const e = JSON.parse(line); if (e.msg === 'cutover started') resolve(e); } catch { /* partial */ }
      }
    });
    child.once('exit', (code) => reject(new Error(`cutover ${name} exited ${code}`)));
  });
  child.stdout.resume();
  return { name, child, dataUrl: `http://127.0.0.1:${started.listen.port}/`, adminUrl: `http://127.0.0.1:${started.admin.port}` };
}

const getJson = async (url) => (await (await request(url)).body.json());
const route = (p) => getJson(`${p.adminUrl}/api/v1/routes/shop`);
const fleetOf = (p) => getJson(`${p.adminUrl}/api/v1/fleet`);
async function stop(p) { if (p.child.exitCode === null && p.child.signalCode === null) { p.child.kill('SIGTERM'); await once(p.child, 'exit'); } }

/** Round-robin load over `targets` until `done()` or the bounds; counts failures (5xx or transport). */
async function load(targets, done, { maxRequests = 200_000, deadlineMs = REVERT_DEADLINE_MS, rate = 0 } = {}, out = { sent: 0, failed: 0, startedAt: now() }) {
  const agent = new Agent({ connections: CONCURRENCY });
  const end = Date.now() + deadlineMs;
  const start = now();
  let stopFlag = false;
  const worker = async (k) => {
    while (!stopFlag && out.sent < maxRequests && Date.now() < end) {
      const t = targets()[(out.sent + k) % targets().length];
      // Rate-bounded: request i leaves no earlier than i/rate after the start, whoever sends it.
      if (rate > 0) { const due = start + (out.sent * 1000) / rate - now(); if (due > 0) await sleep(due); }
      out.sent++;
      try {
        const res = await request(t.dataUrl, { dispatcher: agent });
        await res.body.dump();
        if (res.statusCode >= 500 && res.statusCode !== 500) out.failed++;
      } catch { out.failed++; }
    }
  };
  const watch = async () => { while (!stopFlag && Date.now() < end && out.sent < maxRequests) { if (await done()) break; await sleep(20); } stopFlag = true; };
  await Promise.all([watch(), ...Array.from({ length: CONCURRENCY }, (_, k) => worker(k))]);
  await agent.close();
  return out;
}

/** Polls every replica every 10 ms until each shows `pred`; returns when each first did (ms, monotonic). */
async function appliedAt(replicas, pred, deadlineMs = 10_000) {
  const at = new Map();
  const end = now() + deadlineMs;
  while (at.size < replicas.length && now() < end) {
    await Promise.all(replicas.map(async (r) => { if (!at.has(r.name) && pred(await route(r))) at.set(r.name, now()); }));
    await sleep(10);
  }
  return [...at.values()];
}

const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const median = (xs) => quantile(xs, 0.5);

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-bench-fleet-'));
  cleanups.push(() => void rm(dir, { recursive: true, force: true }));
  const stable = await upstream('v1', 0);
  const canary = await upstream('v2', 0.05);
  const routes = [{
    name: 'shop', stable: { endpoints: [stable.url] }, canary: { endpoints: [canary.url] },
    rollout: { steps: [10, 25, 50, 100], minStepDuration: '1s', maxStepDuration: '5m', minSamples: 100 },
  }];
  const redis = await startRedis();
  const results = { single: [], fleet: [], singleRequests: [], fleetRequests: [], singleRps: [], fleetRps: [], spreads: [], failovers: [], killFailures: [], outageFailures: [], opsIdle: [], opsLoaded: [] };

  for (let round = 0; round < ROUNDS; round++) {
    // A: one proxy, all the traffic.
    const single = await startProxy(dir, `single-${round}`, routes, null);
    let t0 = null;
    let n0 = 0;
    const a = { sent: 0, failed: 0, startedAt: now() };
    await load(() => [single], async () => {
      const r = await route(single);
      if (t0 === null && r.phase === 'progressing' && r.weight > 0) { t0 = now(); n0 = a.sent; }
      return r.phase === 'reverted';
    }, { rate: RATE }, a);
    results.single.push(now() - t0);
    results.singleRequests.push(a.sent - n0);
    results.singleRps.push(a.sent / ((now() - a.startedAt) / 1000));
    await stop(single);

    // B: three replicas, round-robin; a fresh fleet name per round so nothing carries over.
    const fleet = (id) => ({ redis: redis.url, name: `bench-${round}`, replica: id, leaseTtl: '3s' });
    const replicas = [];
    for (const id of ['r1', 'r2', 'r3']) replicas.push(await startProxy(dir, `${id}-${round}`, routes, fleet(id)));
    let t1 = null;
    let n1 = 0;
    let revertedAt = null;
    const b = { sent: 0, failed: 0, startedAt: now() };
    await load(() => replicas, async () => {
      const states = await Promise.all(replicas.map(route));
      if (t1 === null && states.some((r) => r.phase === 'progressing' && r.weight > 0)) { t1 = now(); n1 = b.sent; }
      if (states.some((r) => r.phase === 'reverted')) { revertedAt = now(); return true; }
      return false;
    }, { rate: RATE }, b);
    results.fleet.push(revertedAt - t1);
    results.fleetRequests.push(b.sent - n1);
    results.fleetRps.push(b.sent / ((now() - b.startedAt) / 1000));
    const seen = await appliedAt(replicas, (r) => r.phase === 'reverted');
    results.spreads.push(Math.max(...seen) - Math.min(...seen));

    // Decisions from the operator: weights set on the leader, the others apply them.
    let leader;
    for (const r of replicas) if ((await fleetOf(r)).deciding) leader = r;
    for (let k = 0; k < 6; k++) {
      const w = 5 + round * 10 + k;
      const sent = now();
      await (await request(`${leader.adminUrl}/api/v1/routes/shop/weight`, { method: 'PUT', body: JSON.stringify({ weight: w }), headers: { 'content-type': 'application/json' } })).body.dump();
      const at = await appliedAt(replicas, (r) => r.weight === w);
      results.spreads.push(Math.max(...at) - Math.min(sent, ...at));
    }

    // Redis commands per replica per second: idle, then under as much load as the load loop makes.
    const c0 = await commandsProcessed(redis.port);
    await sleep(5_000);
    const c1 = await commandsProcessed(redis.port);
    results.opsIdle.push((c1 - c0) / 5 / replicas.length);
    const c2 = await commandsProcessed(redis.port);
    const t2 = now();
    const loaded = await load(() => replicas, async () => false, { deadlineMs: 5_000 });
    const c3 = await commandsProcessed(redis.port);
    results.opsLoaded.push({ perReplica: (c3 - c2) / ((now() - t2) / 1000) / replicas.length, rps: loaded.sent / ((now() - t2) / 1000) });

    // A 10 s Redis outage under load: fail static, nobody fails a request.
    await redis.kill();
    const outage = await load(() => replicas, async () => false, { deadlineMs: 10_000 });
    await redis.restart();
    results.outageFailures.push(outage.failed);
    await sleep(2_000);

    // Leader SIGKILL under load on the survivors (the load balancer's view): failover time and failures.
    leader = undefined;
    for (let k = 0; k < 50 && !leader; k++) { for (const r of replicas) if ((await fleetOf(r)).deciding) leader = r; if (!leader) await sleep(100); }
    const survivors = replicas.filter((r) => r !== leader);
    const killedAt = now();
    leader.child.kill('SIGKILL');
    let failover = null;
    const during = await load(() => survivors, async () => {
      for (const r of survivors) if ((await fleetOf(r)).deciding) { failover ??= now() - killedAt; return true; }
      return false;
    }, { deadlineMs: 15_000 });
    results.failovers.push(failover);
    results.killFailures.push(during.failed);
    for (const r of survivors) await stop(r);
  }

  const ratio = median(results.fleet) / median(results.single);
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\nnpm run bench:fleet — ${ROUNDS} interleaved rounds; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine: noisy)`);
  console.log(`time to revert +5 points at ${RATE} req/s: single ${results.single.map(fmt).join(', ')}; 3 replicas ${results.fleet.map(fmt).join(', ')}`);
  console.log(`  ratio fleet ÷ single (medians): ${ratio.toFixed(2)} (target ≤ 1.2); per round: ${results.fleet.map((f, i) => (f / results.single[i]).toFixed(2)).join(', ')}`);
  const reqRatio = median(results.fleetRequests) / median(results.singleRequests);
  console.log(`client requests from the first step to the revert: single ${results.singleRequests.join(', ')}; 3 replicas ${results.fleetRequests.join(', ')}`);
  console.log(`  ratio fleet ÷ single (medians): ${reqRatio.toFixed(2)} (the same evidence should need the same requests; this is the ratio the machine's noise does not move)`);
  console.log(`  achieved load: single ${results.singleRps.map((x) => Math.round(x)).join(', ')} req/s; fleet ${results.fleetRps.map((x) => Math.round(x)).join(', ')} req/s (below ${RATE}: the machine could not keep up)`);
  console.log(`spread first → last replica applying a decision (${results.spreads.length} decisions): p50 ${Math.round(median(results.spreads))} ms, p99 ${Math.round(quantile(results.spreads, 0.99))} ms (target p99 ≤ 1000 ms)`);
  console.log(`leader failover (SIGKILL → another decides, leaseTtl 3 s): ${results.failovers.map(fmt).join(', ')}; ÷ leaseTtl: ${results.failovers.map((f) => (f / 3000).toFixed(2)).join(', ')}`);
  console.log(`failed client requests: across a leader kill ${results.killFailures.join(', ')}; across a 10 s Redis outage ${results.outageFailures.join(', ')} (target 0)`);
  console.log(`Redis commands/s per replica: idle ${results.opsIdle.map((x) => x.toFixed(1)).join(', ')}; under load ${results.opsLoaded.map((x) => `${x.perReplica.toFixed(1)} at ${Math.round(x.rps)} req/s`).join(', ')}`);
  console.log(`  ratio loaded ÷ idle: ${results.opsLoaded.map((x, i) => (x.perReplica / results.opsIdle[i]).toFixed(2)).join(', ')} (1.0 = independent of the request rate)`);
  await redis.kill();
  stable.server.close();
  canary.server.close();
  await rm(dir, { recursive: true, force: true });
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
