// The load generator, run as its own process (pinned to the core the proxy does not use).
// Prints one JSON line with the result. Every mode is bounded in time.
//   closed: N connections, as fast as the target answers: wrk when installed (it leaves
//           more of its core to the upstream), else autocannon; `loadgen` picks one
//   paced:  a fixed arrival rate (open loop); latency counted from the intended send time,
//           so a stall is not hidden by the generator waiting for it (coordinated omission)
//   paced-wrk: a fixed arrival rate from wrk with a Lua pacer (bench/proxy/paced.lua): one
//           wrk thread whose own p99 straight at the upstream is a few hundred µs, so the
//           added tail of a proxy is not drowned by the generator's (the undici `paced` mode's
//           own p99 is several ms)
//   idle:   open N keep-alive connections, one request each, then hold them until stdin closes
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Pool } from 'undici';

const opts = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function percentiles(samples, n) {
  const s = samples.subarray(0, n).sort();
  const at = (q) => (n === 0 ? 0 : s[Math.min(n - 1, Math.floor(q * n))]);
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: n === 0 ? 0 : s[n - 1] };
}

// wrk reports in microseconds; this prints what `closed` returns, in milliseconds.
const WRK_REPORT = `done = function(s, latency, requests)
  local e = s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout
  io.write(string.format('{"requests":%d,"errors":%d,"non2xx":%d,"seconds":%f,"p50":%f,"p99":%f,"p999":%f,"max":%f}\\n',
    s.requests, e, s.errors.status, s.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
end
`;

async function closedWrk() {
  const script = join(tmpdir(), `cutover-bench-${process.pid}.lua`);
  writeFileSync(script, WRK_REPORT);
  const child = spawn('wrk', ['-t1', `-c${opts.connections}`, `-d${opts.durationS}s`, '--timeout', '10s', '-s', script, opts.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d) => { text += d; });
  await new Promise((resolve) => child.on('exit', resolve));
  const r = JSON.parse(text.split('\n').find((l) => l.startsWith('{')));
  return { requests: r.requests, errors: r.errors, non2xx: r.non2xx, rps: r.requests / r.seconds, p50: r.p50, p99: r.p99, p999: r.p999, max: r.max };
}

/** wrk paced by bench/proxy/paced.lua: requests leave on a global schedule of `rate` per second. */
async function pacedWrk() {
  const script = fileURLToPath(new URL('./paced.lua', import.meta.url));
  const args = ['-t1', `-c${opts.connections}`, `-d${opts.durationS}s`, '--timeout', '10s', '-s', script, opts.url, '--', String(opts.rate)];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d) => { text += d; });
  await new Promise((resolve) => child.on('exit', resolve));
  const line = text.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`wrk printed no result: ${text}`);
  const r = JSON.parse(line);
  return { requests: r.requests, errors: r.errors, non2xx: r.non2xx, rps: r.requests / r.seconds, p50: r.p50, p90: r.p90, p99: r.p99, p999: r.p999, max: r.max, late: r.late, lateMaxMs: r.lateMaxMs };
}

async function closed() {
  if (opts.loadgen === 'wrk') return closedWrk();
  const samples = new Float64Array(4_000_000);
  let n = 0;
  const instance = autocannon({ url: opts.url, connections: opts.connections, duration: opts.durationS, pipelining: 1 });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status < 300 && n < samples.length) samples[n++] = ms;
  });
  const r = await instance;
  return { requests: r.requests.total, errors: r.errors + r.timeouts, non2xx: r.non2xx, rps: r.requests.total / opts.durationS, ...percentiles(samples, n) };
}

async function paced() {
  const pool = new Pool(opts.url, { connections: opts.connections, pipelining: 1 });
  const total = Math.floor(opts.rate * opts.durationS);
  const samples = new Float64Array(total);
  let sent = 0;
  let done = 0;
  let errors = 0;
  let non2xx = 0;
  const start = performance.now();
  const path = new URL(opts.url).pathname;
  await new Promise((resolve) => {
    const finish = () => {
      if (done === total) resolve();
    };
    const fire = (intended) => {
      let status = 0;
      pool.dispatch({ path, method: 'GET', headers: ['host', 'bench'] }, {
        onConnect() {},
        onHeaders(s) { status = s; return true; },
        onData() { return true; },
        onComplete() {
          if (status >= 300) non2xx++;
          samples[done++] = performance.now() - intended;
          finish();
        },
        onError() { errors++; samples[done++] = performance.now() - intended; finish(); },
      });
    };
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * opts.rate) / 1000));
      while (sent < due) fire(start + (sent++ * 1000) / opts.rate);
      if (sent === total) clearInterval(tick);
    }, 1);
    setTimeout(resolve, (opts.durationS + 10) * 1000).unref();
  });
  await pool.destroy();
  return { requests: done, errors, non2xx, rps: done / opts.durationS, ...percentiles(samples, done) };
}

async function idle() {
  const { hostname, port } = new URL(opts.url);
  const sockets = [];
  const deadline = Date.now() + opts.timeoutMs;
  const openOne = () => new Promise((resolve) => {
    const s = connect(Number(port), hostname);
    let got = '';
    const fail = () => { s.destroy(); resolve(false); };
    s.once('error', fail);
    s.setTimeout(10_000, fail);
    s.once('connect', () => s.write('GET / HTTP/1.1\r\nhost: bench\r\n\r\n'));
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.length >= 100 && got.includes('\r\n\r\n')) {
        s.removeAllListeners('data');
        s.setTimeout(0);
        s.on('error', () => {});
        sockets.push(s);
        resolve(true);
      }
    });
  });
  let failed = 0;
  // Batches keep the listen backlog from overflowing.
  for (let i = 0; i < opts.count && Date.now() < deadline; i += 250) {
    const batch = [];
    for (let j = i; j < Math.min(opts.count, i + 250); j++) batch.push(openOne());
    for (const ok of await Promise.all(batch)) if (!ok) failed++;
  }
  const alive = () => sockets.filter((s) => !s.destroyed).length;
  out({ opened: sockets.length, failed });
  // Hold until the orchestrator has read the proxy's RSS and closes our stdin.
  await new Promise((resolve) => { process.stdin.on('end', resolve); process.stdin.resume(); setTimeout(resolve, opts.timeoutMs).unref(); });
  const stillOpen = alive();
  for (const s of sockets) s.destroy();
  return { stillOpen };
}

const modes = { closed, paced, 'paced-wrk': pacedWrk, idle };
out(await modes[opts.mode]());
process.exit(0);
