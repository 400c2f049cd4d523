// The processes a bench run starts: the upstream, each proxy under test, the load generator.
// Each proxy runs in its own process, pinned to core 1 where taskset exists.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0;
export const HAS_NGINX = spawnSync('nginx', ['-v']).status === 0;
export const HAS_WRK = spawnSync('wrk', ['-v']).error === undefined;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
const children = new Set();

/** Starts `cmd args` (pinned to `cpus` when given) and resolves with the child and its first stdout JSON line. */
export async function startProcess(cmd, args, { cpus, cwd, waitJson = true } = {}) {
  const [file, argv] = cpus && HAS_TASKSET ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  child.stderr.on('data', (d) => { if (stderr.length < 8_000) stderr += d; });
  if (!waitJson) return { child, info: null };
  const json = jsonLines(child);
  const first = await Promise.race([json.next(), once(child, 'exit').then(() => null)]);
  if (!first) throw new Error(`${cmd} ${args.join(' ')} did not start: ${stderr}`);
  return { child, info: first, json };
}

/** The JSON lines a child prints, one at a time; null once it exits without another. */
function jsonLines(child) {
  const queue = [];
  const waiting = [];
  let ended = false;
  const push = (v) => (waiting.length ? waiting.shift()(v) : queue.push(v));
  createInterface({ input: child.stdout }).on('line', (line) => { if (line.startsWith('{')) push(JSON.parse(line)); });
  child.on('exit', () => { ended = true; while (waiting.length) waiting.shift()(null); });
  return { next: () => (queue.length ? Promise.resolve(queue.shift()) : ended ? Promise.resolve(null) : new Promise((r) => waiting.push(r))) };
}

export function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls a URL until it answers 200; bounded. */
export async function waitReady(url, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

/** A process and its children (cluster workers, nginx workers). */
export function processTree(pid) {
  const out = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (kids) for (const k of kids.split(/\s+/)) out.push(...processTree(Number(k)));
    }
  } catch { /* gone */ }
  return out;
}

/** CPU seconds (user + system), RSS bytes and major page faults summed over a process tree, from /proc. */
export function usage(pid) {
  let cpuS = 0;
  let rss = 0;
  let majorFaults = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuS += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
      majorFaults += Number(fields[9]);
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) rss += Number(m[1]) * 1024;
    } catch { /* exited between listing and reading */ }
  }
  return { cpuS, rss, majorFaults };
}

// The shadow step held open for the whole run (bake times far beyond it), mirroring every GET.
const SHADOW_ROLLOUT = `
    rollout:
      steps: [1, 100]
      minStepDuration: 1h
      maxStepDuration: 2h
      shadow: { share: 100% }`;

export function cutoverConfig({ port, adminPort, stable, canary, workers, dir, shadow = false }) {
  return `listen: 127.0.0.1:${port}
admin: { listen: 127.0.0.1:${adminPort} }
stateFile: ${join(dir, `state-${port}.json`)}
workers: ${workers}
log: { level: warn }
limits: { keepAliveTimeout: 120s, maxConnections: 20000 }
routes:
  - name: bench
    stable: { endpoints: [${stable}] }
    canary: { endpoints: [${canary}], revision: bench }
    weight: ${shadow ? 0 : 10}${shadow ? SHADOW_ROLLOUT : ''}
`;
}

/** Each target: a name and how to start it; start resolves with { url, pid }. */
export function defineTargets({ root, dir, stable, canary, stablePort }) {
  const node = process.execPath;
  const cutover = (workers, cpus, shadow = false, cli = join(root, 'dist/cli/main.js')) => async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const file = join(dir, `cutover-${port}.yaml`);
    writeFileSync(file, cutoverConfig({ port, adminPort, stable, canary, workers, dir, shadow }));
    const { child } = await startProcess(node, [...nodeFlags(), cli, 'start', '-c', file], { cpus, waitJson: false });
    child.stdout.resume();
    await waitReady(`http://127.0.0.1:${adminPort}/readyz`);
    await waitReady(`http://127.0.0.1:${port}/`);
    return { url: `http://127.0.0.1:${port}/`, pid: child.pid, adminUrl: `http://127.0.0.1:${adminPort}` };
  };
  const script = (name, extra = []) => async () => {
    const { child, info } = await startProcess(node, [join(root, 'bench/proxy', name), ...extra], { cpus: '1' });
    child.stdout.resume();
    return { url: `http://127.0.0.1:${info.port}/`, pid: child.pid };
  };
  const targets = {
    direct: async () => ({ url: `${stable}/`, pid: null }),
    cutover: cutover(1, '1'),
    'cutover-shadow': cutover(1, '1', true),
    'cutover-off': async () => {
      const [port, adminPort] = [await freePort(), await freePort()];
      const file = join(dir, `off-${port}.yaml`);
      writeFileSync(file, cutoverConfig({ port, adminPort, stable, canary, workers: 1, dir }));
      return script('cutover-off.mjs', [file])();
    },
    'undici-bare': script('undici-bare.mjs', [stable, '0']),
    'http-proxy': script('http-proxy.mjs', [stable, '0']),
    nginx: HAS_NGINX ? () => startNginx(dir, stablePort) : null,
    // Another build's CLI (BENCH_BASELINE_CLI=/path/to/old/dist/cli/main.js), for before/after in one run.
    'cutover-baseline': process.env.BENCH_BASELINE_CLI ? cutover(1, '1', false, process.env.BENCH_BASELINE_CLI) : null,
    'cutover-w1-free': cutover(1, undefined),
    'cutover-w2-free': cutover(2, undefined),
  };
  return Object.fromEntries(Object.entries(targets).filter(([, v]) => v !== null));
}

/** Extra node flags for the cutover processes, e.g. BENCH_NODE_FLAGS="--trace-gc" for a diagnosis run. */
function nodeFlags() {
  return process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean) : [];
}

async function startNginx(dir, upstreamPort) {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`);
  const { child } = await startProcess('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'nginx-error.log')], { cpus: '1', waitJson: false });
  await waitReady(`http://127.0.0.1:${port}/`);
  if (!existsSync(join(dir, 'nginx.pid'))) throw new Error('nginx did not write its pid file');
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid };
}

/** Runs the load generator (pinned to core 0) and returns its last JSON line. */
export async function runLoad(root, opts, { holdStdin = false } = {}) {
  const { child, info, json } = await startProcess(process.execPath, [join(root, 'bench/proxy/load.mjs'), JSON.stringify(opts)], { cpus: '0' });
  if (holdStdin) return { first: info, finish: () => { child.stdin.end(); return json.next(); } };
  return info;
}
