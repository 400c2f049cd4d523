// The two versions of the service, v1 and v2, in their own process so their CPU is never
// charged to the proxy under test. Node's default keep-alive timeout (5 s) is kept on
// purpose: a proxy that does not keep its idle connections busy loses them.
// Counts new TCP connections per server: the proof that a switch opened none.
import { createServer } from 'node:http';

const BODY = { v1: Buffer.alloc(100, '1'), v2: Buffer.alloc(100, '2') };
const connections = { v1: 0, v2: 0 };

function start(name) {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY[name].length, 'x-version': name });
      res.end(BODY[name]);
    });
    server.on('connection', () => connections[name]++);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

const urls = { v1: await start('v1'), v2: await start('v2') };
process.on('message', (msg) => {
  if (msg.op === 'connections') process.send({ id: msg.id, connections: { ...connections } });
});
process.send({ ready: true, urls });
process.on('disconnect', () => process.exit(0));
