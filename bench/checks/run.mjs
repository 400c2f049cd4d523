// npm run bench:checks: does rollout.checks cost the data plane anything? Two cutover processes,
// identical but for four http checks evaluated every 100 ms (40 queries/s, far above a real
// interval), measured interleaved (off, on, off, on, ...) with the same closed and paced loads
// against the same fast upstream. Prints ratios on/off per round and their median. Bounded in time.
// Knobs (env): BENCH_ROUNDS=4 BENCH_SECONDS=4 BENCH_RATE=1500
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runLoad, startProcess, stopAll, waitReady } from '../proxy/targets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rate = Number(process.env.BENCH_RATE ?? 1500);
const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-checks-'));
const log = (...a) => console.error(...a);
let selfcheck;
process.on('exit', () => { stopAll(); selfcheck?.close(); rmSync(dir, { recursive: true, force: true }); });
process.on('SIGINT', () => process.exit(130));

// The checks' source, in this process: its CPU is not the proxy's.
let queries = 0;
selfcheck = createServer((req, res) => {
  queries++;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"errors":0}');
}).listen(0, '127.0.0.1');
await once(selfcheck, 'listening');
const checkUrl = `http://127.0.0.1:${selfcheck.address().port}/internal/selfcheck`;

const up = await startProcess(process.execPath, [join(root, 'bench/proxy/upstream.mjs'), '0', '0'], { cpus: '0' });
up.child.stdout.resume();
const [stablePort, canaryPort] = up.info.ports;

async function cutover(name, withChecks) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const checks = withChecks
    ? ['a', 'b', 'c', 'd'].map((n) => `        - { name: ${n}, http: { url: ${checkUrl}, field: $.errors, max: 0 }, interval: 100ms }`).join('\n')
    : '';
  const file = join(dir, `${name}.yaml`);
  // minSamples out of reach: the step stays in progress (analysis and checks running) the whole run.
  writeFileSync(file, `listen: 127.0.0.1:${port}
admin: { listen: 127.0.0.1:${adminPort} }
stateFile: ${join(dir, `${name}-state.json`)}
log: { level: warn }
limits: { keepAliveTimeout: 120s }
routes:
  - name: bench
    stable: { endpoints: [http://127.0.0.1:${stablePort}] }
    canary: { endpoints: [http://127.0.0.1:${canaryPort}], revision: bench }
    rollout:
      steps: [50, 100]
      minSamples: 1000000000
      maxStepDuration: 1h
${withChecks ? `      checks:\n${checks}\n` : ''}`);
  const { child } = await startProcess(process.execPath, [join(root, 'dist/cli/main.js'), 'start', '-c', file], { cpus: '1', waitJson: false });
  child.stdout.resume();
  await waitReady(`http://127.0.0.1:${adminPort}/readyz`);
  return { url: `http://127.0.0.1:${port}/`, adminUrl: `http://127.0.0.1:${adminPort}` };
}

const targets = { off: await cutover('off', false), on: await cutover('on', true) };
const route = await (await fetch(`${targets.on.adminUrl}/api/v1/routes/bench`)).json();
if (route.phase !== 'progressing' || route.rollout.checks.length !== 4) throw new Error(`the "on" target is not running its checks: ${JSON.stringify(route.rollout)}`);
log(`targets up; ${rounds} rounds × ${seconds}s closed + ${seconds}s paced at ${rate}/s each, interleaved`);

const rows = [];
for (let i = 0; i < rounds; i++) {
  const r = {};
  for (const name of i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
    const q0 = queries;
    const t0 = performance.now();
    r[name] = {
      closed: await runLoad(root, { url: targets[name].url, mode: 'closed', loadgen: 'autocannon', connections: 50, durationS: seconds }),
      paced: await runLoad(root, { url: targets[name].url, mode: 'paced', connections: 50, rate, durationS: seconds }),
      checkQueriesPerSecond: ((queries - q0) * 1000) / (performance.now() - t0),
    };
  }
  rows.push({
    rps: r.on.closed.rps / r.off.closed.rps,
    closedP99: r.on.closed.p99 / r.off.closed.p99,
    pacedP99: r.on.paced.p99 / r.off.paced.p99,
    checkQueriesPerSecond: r.on.checkQueriesPerSecond,
    errors: r.on.closed.errors + r.off.closed.errors + r.on.paced.errors + r.off.paced.errors,
  });
  log(`round ${i + 1}:`, JSON.stringify(rows.at(-1)));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = Object.fromEntries(['rps', 'closedP99', 'pacedP99', 'checkQueriesPerSecond'].map((k) => [k, Number(median(rows.map((r) => r[k])).toFixed(3))]));
console.log(JSON.stringify({ rounds: rows, medianOnOverOff: summary, errors: rows.reduce((s, r) => s + r.errors, 0) }, null, 2));
process.exit(0);
