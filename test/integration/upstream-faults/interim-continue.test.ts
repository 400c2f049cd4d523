import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startCutover, testConfig } from '../../helpers/servers.js';
import { rawRequest, startRawUpstream, type RawHandler } from '../hardening/raw-http.js';

// Issue 15, item 2: an upstream's unsolicited 100 Continue before its final response
// turned into a 502, because undici destroys the connection on a 100. The interim
// response is discarded (as nginx and HAProxy do) and the final one relayed.

const H = 'Host: example.test\r\n';
const FINAL = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal';

async function proxyTo(handler: RawHandler) {
  const up = await startRawUpstream(handler);
  const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0, headersTimeout: '2s' } }]));
  return { up, port: cut.app.dataAddress.port };
}

describe('an unsolicited 100 Continue from the upstream', () => {
  it('in the same write as the final response: discarded, the final response relayed', async () => {
    const { port } = await proxyTo((socket) => socket.write(`HTTP/1.1 100 Continue\r\n\r\n${FINAL}`));
    const res = await rawRequest(port, `GET / HTTP/1.1\r\n${H}\r\n`);
    expect(res.responses.map((r) => [r.status, r.body.toString()])).toEqual([[200, 'final']]);
    // The client did not ask for it: it never sees the 100 either.
    expect(res.informational).toEqual([]);
  });

  it('in a write of its own, the final response later: the request still succeeds, on a connection kept alive', async () => {
    const { up, port } = await proxyTo((socket, _req, i) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      // The final response follows once the upstream saw its interim one leave.
      setImmediate(() => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${String(i).length}\r\n\r\n${i}`));
    });
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    for (const n of [0, 1, 2]) {
      const res = await rawRequest(port, `POST /upload HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`, { socket: client });
      expect(res.responses.map((r) => [r.status, r.body.toString()])).toEqual([[200, String(n)]]);
    }
    // One upstream connection served all three: the 100 did not cost the connection.
    expect(up.connections).toHaveLength(1);
  });

  it('a 100 split across reads, then 103 Early Hints, then the final response', async () => {
    const { port } = await proxyTo((socket) => {
      socket.write('HTTP/1.1 100 Cont');
      setImmediate(() => socket.write(`inue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${FINAL}`));
    });
    const res = await rawRequest(port, `GET / HTTP/1.1\r\n${H}\r\n`);
    expect(res.responses.map((r) => [r.status, r.body.toString()])).toEqual([[200, 'final']]);
    expect(res.informational.map((m) => m.status)).toEqual([103]);
  });

  it('a body that merely looks like a 100 head is relayed byte for byte', async () => {
    const body = 'HTTP/1.1 100 Continue\r\n\r\n';
    const { port } = await proxyTo((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length * 2}\r\n\r\n`);
      setImmediate(() => socket.write(body + body));
    });
    const res = await rawRequest(port, `GET / HTTP/1.1\r\n${H}\r\n`);
    expect(res.responses.map((r) => [r.status, r.body.toString()])).toEqual([[200, body + body]]);
  });
});
