// The baseline: node-http-proxy with a keep-alive agent, a weighted random choice
// between two targets fixed at start, and no way to change them but a restart.
// argv: port stable canary weight
import { createServer, Agent } from 'node:http';
import httpProxy from 'http-proxy';

const [port, stable, canary, weight] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const proxy = httpProxy.createProxyServer({ agent });
proxy.on('error', (_err, _req, res) => {
  if (res.headersSent === false) {
    res.writeHead(502);
    res.end();
  } else res.destroy?.();
});
const server = createServer((req, res) => {
  proxy.web(req, res, { target: Math.random() * 100 < Number(weight) ? canary : stable });
});
server.listen(Number(port), '127.0.0.1', () => process.send({ ready: true, url: `http://127.0.0.1:${server.address().port}` }));
// A restart as most deployments do it: the process goes, whatever is in flight goes with it.
process.on('disconnect', () => process.exit(0));
