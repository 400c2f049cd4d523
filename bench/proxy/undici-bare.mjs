// Baseline: the least a Node proxy can do on undici's dispatch: no routing, no split,
// no header hygiene, no metrics. The "bare undici proxy" that cutover should match.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [target, port] = [process.argv[2], Number(process.argv[3] ?? 0)];
const pool = new Pool(target, { connections: 128, pipelining: 1 });

class Handler {
  constructor(res) { this.res = res; }
  onConnect() {}
  onHeaders(status, raw) {
    const headers = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString('latin1');
      if (name.toLowerCase() !== 'connection' && name.toLowerCase() !== 'keep-alive') headers.push(name, raw[i + 1].toString('latin1'));
    }
    this.res.writeHead(status, headers);
    return true;
  }
  onData(chunk) { return this.res.write(chunk); }
  onComplete() { this.res.end(); }
  onError() {
    if (!this.res.headersSent) this.res.writeHead(502);
    this.res.end();
  }
}

const server = createServer((req, res) => {
  const headers = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() !== 'connection') headers.push(raw[i], raw[i + 1]);
  pool.dispatch({ path: req.url, method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req }, new Handler(res));
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => process.exit(0));
