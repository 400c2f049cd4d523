// The fast upstream every target forwards to: a 100-byte body, keep-alive, nothing else.
// Runs in its own process so its CPU is never charged to the proxy under test. Listens on
// one port per argument (0 = any), so stable and canary are distinct origins.
import { createServer } from 'node:http';

const BODY = Buffer.alloc(100, 'x');
const handler = (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
};
const ports = await Promise.all(process.argv.slice(2).map((p) => new Promise((resolve) => {
  const server = createServer(handler);
  server.keepAliveTimeout = 120_000;
  server.listen(Number(p), '127.0.0.1', () => resolve(server.address().port));
})));
process.stdout.write(`${JSON.stringify({ ports })}\n`);
process.on('SIGTERM', () => process.exit(0));
