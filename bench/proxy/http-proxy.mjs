// Baseline: node-http-proxy with a keep-alive agent, the way it is usually deployed.
import { createServer, Agent } from 'node:http';
import httpProxy from 'http-proxy';

const [target, port] = [process.argv[2], Number(process.argv[3] ?? 0)];
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const proxy = httpProxy.createProxyServer({ target, agent });
proxy.on('error', (_err, _req, res) => {
  if (res.writeHead && !res.headersSent) res.writeHead(502);
  res.end();
});
const server = createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => process.exit(0));
