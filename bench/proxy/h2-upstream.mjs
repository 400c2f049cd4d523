// The HTTP/2 bench upstreams in one process: an h2c server answering "ok" to every stream, and a
// @grpc/grpc-js server with one unary method. Prints {"h2Port":…,"grpcPort":…} once both listen.
import { createServer } from 'node:http2';
import * as grpc from '@grpc/grpc-js';

const body = Buffer.from('ok');
const h2 = createServer({ settings: { maxConcurrentStreams: 1000 } }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
await new Promise((r) => h2.listen(0, '127.0.0.1', r));

const identity = { serialize: (b) => b, deserialize: (b) => b };
const server = new grpc.Server();
server.addService({
  echo: { path: '/cutover.bench.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize },
}, { echo: (call, cb) => cb(null, call.request) });
const grpcPort = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
console.log(JSON.stringify({ h2Port: h2.address().port, grpcPort }));
process.on('SIGTERM', () => process.exit(0));
