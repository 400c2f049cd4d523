// Soak test: bounded load through a real cutover against an upstream that
// injects faults, reporting failures by class and memory growth. Not part of
// `npm test`. Run after `npm run build`:
//
//   node bench/soak/run.mjs [--seconds 60] [--concurrency 32] [--fault-rate 0.05]
//
// Exit code 1 when the proxy stopped serving, answered a request with a
// response that is not a clean status, or its heap grew by more than --max-growth-mb.
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { CutoverApp } from '../../dist/app.js';
import { silentLogger } from '../../dist/log.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '32' },
    'fault-rate': { type: 'string', default: '0.05' },
    'max-growth-mb': { type: 'string', default: '32' },
  },
});
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const faultRate = Number(args['fault-rate']);

// Each fault is something a crashing or buggy upstream really does.
const FAULTS = {
  'invalid-status': (s) => s.end('HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  'conflicting-length': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'),
  'cut-body': (s) => { s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'); setImmediate(() => s.destroy()); },
  'close-without-answer': (s) => s.destroy(),
  'never-answers': () => {},
  'nul-in-header': (s) => s.end('HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok'),
};
const FAULT_NAMES = Object.keys(FAULTS);
const injected = Object.fromEntries(FAULT_NAMES.map((n) => [n, 0]));

const upstream = createServer((socket) => {
  socket.on('error', () => {});
  let buffered = '';
  socket.on('data', (d) => {
    buffered += d.toString('latin1');
    // GET only, no bodies: one request per blank line.
    for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
      buffered = buffered.slice(end + 4);
      if (Math.random() < faultRate) {
        const name = FAULT_NAMES[Math.floor(Math.random() * FAULT_NAMES.length)];
        injected[name]++;
        FAULTS[name](socket);
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello');
    }
  });
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');

const dir = await mkdtemp(join(tmpdir(), 'cutover-soak-'));
const configFile = join(dir, 'cutover.yaml');
await writeFile(configFile, stringify({
  listen: '127.0.0.1:0',
  admin: { listen: '127.0.0.1:0' },
  stateFile: join(dir, 'state.json'),
  limits: { headersTimeout: '2s', requestTimeout: '5s' },
  routes: [{ name: 'soak', stable: { endpoints: [`http://127.0.0.1:${upstream.address().port}`] }, upstream: { headersTimeout: '500ms', bodyTimeout: '1s' } }],
}));
const app = await CutoverApp.start({ configFile, logger: silentLogger(), watch: false, defaultMetrics: false, env: {} });
const client = new Pool(`http://127.0.0.1:${app.dataAddress.port}`, { connections: concurrency });

const outcomes = new Map();
const count = (key) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
const mb = (n) => Math.round((n / 1024 / 1024) * 10) / 10;

async function worker(deadline) {
  while (Date.now() < deadline) {
    try {
      const res = await client.request({ path: '/soak', method: 'GET', headersTimeout: 5_000, bodyTimeout: 5_000 });
      await res.body.text();
      count(`status ${res.statusCode}`);
    } catch (err) {
      // A cut-off body must surface as an error here, never as a short "complete" response.
      count(`client error ${err.code ?? err.name}`);
    }
  }
}

// Warm up, then measure the heap after a full GC (when --expose-gc is given) at start and end.
await Promise.all(Array.from({ length: concurrency }, () => worker(Date.now() + 2_000)));
globalThis.gc?.();
const before = process.memoryUsage();
const started = Date.now();
await Promise.all(Array.from({ length: concurrency }, () => worker(started + seconds * 1_000)));
globalThis.gc?.();
const after = process.memoryUsage();

// The proxy must still serve a normal request after all of it.
const probe = await client.request({ path: '/after', method: 'GET' }).then(async (r) => { await r.body.text(); return r.statusCode; }, (e) => e.code);

await client.close();
await app.stop(2_000);
upstream.close();
await rm(dir, { recursive: true, force: true });

const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
const growth = mb(after.heapUsed - before.heapUsed);
console.log(`soak: ${total} requests in ${seconds}s at concurrency ${concurrency}, fault rate ${faultRate}`);
console.log('faults injected:', injected);
console.log('outcomes:', Object.fromEntries([...outcomes].sort()));
console.log(`memory: heapUsed ${mb(before.heapUsed)} → ${mb(after.heapUsed)} MB (${growth >= 0 ? '+' : ''}${growth}), rss ${mb(before.rss)} → ${mb(after.rss)} MB${globalThis.gc ? '' : ' (run with --expose-gc for a steadier reading)'}`);
console.log(`after the soak, a normal request got: ${probe}`);
const unclean = [...outcomes.keys()].filter((k) => k.startsWith('status') && !['status 200', 'status 502', 'status 503', 'status 504'].includes(k));
const failed = probe !== 200 || unclean.length > 0 || growth > Number(args['max-growth-mb']);
if (unclean.length > 0) console.log('unexpected statuses:', unclean);
process.exit(failed ? 1 : 0);
