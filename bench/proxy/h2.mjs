// npm run bench, HTTP/2 part: h2 and h2c through cutover vs nginx vs direct, gRPC unary calls/s
// through cutover vs nginx grpc_pass vs direct (h2load at a fixed stream concurrency), and
// HTTP/1.1 through this build vs main's build (wrk), interleaved (the order rotates each round)
// and repeated. Every load is bounded in time. Writes bench/results/h2.json and h2.md.
// Knobs (env): BENCH_ROUNDS=3 BENCH_SECONDS=4 BENCH_QUICK=1 H2_MAIN_DIST=path (main's dist/, else built here).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HAS_NGINX, freePort, startProcess, stopAll, usage, waitReady } from './targets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const quick = process.env.BENCH_QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const seconds = Number(process.env.BENCH_SECONDS ?? (quick ? 2 : 4));
const H2 = { clients: 10, streams: 10 };
const log = (...a) => console.error(...a);
const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-h2-'));
process.on('exit', () => { stopAll(); rmSync(dir, { recursive: true, force: true }); });
process.on('SIGINT', () => process.exit(130));
if (spawnSync('h2load', ['--version']).error) { log('h2load (nghttp2-client) is not installed: skipping the HTTP/2 bench'); process.exit(0); }

// A self-signed certificate for the TLS targets (h2load does not verify).
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
// One gRPC message (5-byte prefix + 16 bytes) for h2load's POST body.
const grpcBody = join(dir, 'grpc.bin');
writeFileSync(grpcBody, Buffer.concat([Buffer.from([0, 0, 0, 0, 16]), Buffer.alloc(16, 0x61)]));

const up = await startProcess(process.execPath, [join(root, 'bench/proxy/h2-upstream.mjs')], { cpus: '0' });
up.child.stdout.resume();
const { h2Port, grpcPort } = up.info;
const h1up = await startProcess(process.execPath, [join(root, 'bench/proxy/upstream.mjs'), '0', '0'], { cpus: '0' });
h1up.child.stdout.resume();
const [h1Port] = h1up.info.ports;

/** main's build for the HTTP/1.1 A/B: H2_MAIN_DIST, or `git archive main` built in the temp dir. */
function mainDist() {
  if (process.env.H2_MAIN_DIST) return process.env.H2_MAIN_DIST;
  const src = join(dir, 'main');
  mkdirSync(src);
  execFileSync('sh', ['-c', `git -C "${root}" archive main | tar -x -C "${src}"`]);
  if (!existsSync(join(src, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'));
  // What `npm run build` does: the dashboard assets, then tsc.
  cpSync(join(src, 'src/admin/assets'), join(src, 'dist/admin/assets'), { recursive: true });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(src, 'tsconfig.build.json')], { cwd: src, stdio: 'inherit' });
  return join(src, 'dist');
}

async function cutover(name, distDir, yaml) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `listen: 127.0.0.1:${port}\nadmin: { listen: 127.0.0.1:${adminPort} }\nstateFile: ${join(dir, `${name}.json`)}\nlog: { level: warn }\nlimits: { keepAliveTimeout: 120s, maxConnections: 20000 }\n${yaml}`);
  const { child } = await startProcess(process.execPath, [join(distDir, 'cli/main.js'), 'start', '-c', file], { cpus: '1', waitJson: false });
  child.stdout.resume();
  await waitReady(`http://127.0.0.1:${adminPort}/readyz`);
  return { port, pid: child.pid };
}

const routes = (h2Proto) => `routes:
  - name: grpc
    match: { pathPrefix: /cutover.bench. }
    stable: { endpoints: [http://127.0.0.1:${grpcPort}] }
    upstream: { protocol: h2c, warm: 1 }
  - name: web
    stable: { endpoints: [http://127.0.0.1:${h2Proto === 'h1' ? h1Port : h2Port}] }
    upstream: { protocol: ${h2Proto === 'h1' ? 'http1' : 'h2c'}, warm: ${h2Proto === 'h1' ? 8 : 1} }
`;

async function nginx(name, listen, ssl) {
  const port = await freePort();
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}-error.log`)} warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream h2up { server 127.0.0.1:${h2Port}; keepalive 16; }
  upstream grpcup { server 127.0.0.1:${grpcPort}; keepalive 16; }
  server {
    # nginx 1.22 (Debian 12): http2 is a listen parameter; without ssl it is h2c with prior knowledge.
    listen 127.0.0.1:${port} ${listen} http2;
    ${ssl ? `ssl_certificate ${join(dir, 'c.pem')}; ssl_certificate_key ${join(dir, 'k.pem')};` : ''}
    keepalive_requests 1000000;
    location /cutover.bench. { grpc_pass grpc://grpcup; }
    location / { grpc_pass grpc://h2up; }
  }
}
`);
  const { child } = await startProcess('nginx', ['-p', dir, '-c', conf, '-e', join(dir, `${name}-error.log`)], { cpus: '1', waitJson: false });
  await new Promise((r) => setTimeout(r, 300));
  return { port, pid: child.pid };
}

log('building main for the HTTP/1.1 A/B…');
const mainBuild = mainDist();
const thisBuild = join(root, 'dist');
const tls = `tls: { certificates: [{ cert: ${join(dir, 'c.pem')}, key: ${join(dir, 'k.pem')} }] }\n`;
const t = {
  'cutover h2c': await cutover('cut-h2c', thisBuild, `http2: true\n${routes('h2')}`),
  'cutover h2 (TLS)': await cutover('cut-tls', thisBuild, `http2: true\n${tls}${routes('h2')}`),
  'cutover http1, this build': await cutover('cut-h1', thisBuild, `http2: true\n${routes('h1')}`),
  'cutover http1, http2: false': await cutover('cut-h1-off', thisBuild, `http2: false\n${routes('h1')}`),
  'cutover http1, main': await cutover('cut-main', mainBuild, `routes:\n  - name: web\n    stable: { endpoints: [http://127.0.0.1:${h1Port}] }\n    upstream: { warm: 8 }\n`),
};
if (HAS_NGINX) {
  t['nginx h2c'] = await nginx('ngx-h2c', '', false);
  t['nginx h2 (TLS)'] = await nginx('ngx-tls', 'ssl', true);
}

/** The measurements: [row, target, protocol, url builder]. */
const rows = [
  ['h2c', 'direct', () => `http://127.0.0.1:${h2Port}/`, null],
  ['h2c', 'cutover h2c', (p) => `http://127.0.0.1:${p}/`],
  ['h2c', 'nginx h2c', (p) => `http://127.0.0.1:${p}/`],
  ['h2 (TLS)', 'cutover h2 (TLS)', (p) => `https://127.0.0.1:${p}/`],
  ['h2 (TLS)', 'nginx h2 (TLS)', (p) => `https://127.0.0.1:${p}/`],
  ['gRPC unary', 'direct', () => `http://127.0.0.1:${grpcPort}/cutover.bench.Echo/Echo`, null],
  ['gRPC unary', 'cutover h2c', (p) => `http://127.0.0.1:${p}/cutover.bench.Echo/Echo`],
  ['gRPC unary', 'nginx h2c', (p) => `http://127.0.0.1:${p}/cutover.bench.Echo/Echo`],
  ['HTTP/1.1', 'cutover http1, main', (p) => `http://127.0.0.1:${p}/`],
  ['HTTP/1.1', 'cutover http1, this build', (p) => `http://127.0.0.1:${p}/`],
  ['HTTP/1.1', 'cutover http1, http2: false', (p) => `http://127.0.0.1:${p}/`],
].filter(([, target]) => target === 'direct' || t[target]);

function h2load(url, grpc) {
  const args = ['-D', String(seconds), '-c', String(H2.clients), '-m', String(H2.streams), '-t', '1'];
  if (grpc) args.push('-d', grpcBody, '-H', 'content-type: application/grpc', '-H', 'te: trailers');
  const out = spawnSync('taskset', ['-c', '0', 'h2load', ...args, url], { encoding: 'utf8', timeout: (seconds + 20) * 1000 }).stdout ?? '';
  const rps = Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(out)?.[1] ?? NaN);
  const failed = Number(/requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/.exec(out)?.[1] ?? NaN);
  return { rps, failed };
}

function wrk(url) {
  const out = spawnSync('taskset', ['-c', '0', 'wrk', '-t', '1', '-c', '50', '-d', `${seconds}s`, '--latency', url], { encoding: 'utf8', timeout: (seconds + 20) * 1000 }).stdout ?? '';
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const ms = p50 ? Number(p50[1]) * (p50[2] === 'us' ? 0.001 : p50[2] === 's' ? 1000 : 1) : NaN;
  return { rps, p50ms: ms, failed: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) };
}

const results = rows.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < rows.length; k++) {
    const i = (k + r) % rows.length;
    const [row, target, url] = rows[i];
    const port = t[target]?.port;
    const pid = t[target]?.pid;
    const before = pid ? usage(pid) : null;
    const m = row === 'HTTP/1.1' ? wrk(url(port)) : h2load(url(port), row === 'gRPC unary');
    if (before) m.cpuS = usage(pid).cpuS - before.cpuS;
    results[i].push(m);
    log(`round ${r + 1}/${rounds}`, row, target, JSON.stringify(m));
  }
}

const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const summary = rows.map(([row, target], i) => ({ row, target, rps: median(results[i].map((m) => m.rps)), p50ms: median(results[i].map((m) => m.p50ms ?? NaN)), failed: results[i].reduce((a, m) => a + (m.failed || 0), 0), runs: results[i].map((m) => Math.round(m.rps)) }));
const base = (row, target) => summary.find((s) => s.row === row && s.target === target)?.rps;
const lines = [
  `# HTTP/2, gRPC and the HTTP/1.1 A/B (npm run bench)`, '',
  `${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model ?? '?'} · Node ${process.version} · load generator on core 0, proxies on core 1 · ${rounds} interleaved rounds of ${seconds} s, medians.`,
  `h2load: ${H2.clients} connections × ${H2.streams} concurrent streams; wrk: 50 connections. The machine is shared with other work: read the ratios, not the absolute numbers.`, '',
  '| row | target | req/s (median) | ratio | per-round req/s | failed |', '| --- | --- | --- | --- | --- | --- |',
  ...summary.map((s) => {
    const ref = s.row === 'HTTP/1.1' ? base('HTTP/1.1', 'cutover http1, main') : s.row === 'h2 (TLS)' ? base('h2 (TLS)', 'nginx h2 (TLS)') : base(s.row, 'direct');
    const refName = s.row === 'HTTP/1.1' ? 'main' : s.row === 'h2 (TLS)' ? 'nginx' : 'direct';
    return `| ${s.row} | ${s.target} | ${Math.round(s.rps)} | ${ref ? (s.rps / ref).toFixed(2) : '–'} × ${refName} | ${s.runs.join(', ')} | ${s.failed} |`;
  }),
];
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/h2.json'), JSON.stringify({ rounds, seconds, summary, results }, null, 2));
writeFileSync(join(root, 'bench/results/h2.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
process.exit(0);
