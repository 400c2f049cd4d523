import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { rawRequest } from './raw-http.js';
import { expectStillServing, runRow, startProxy, type Row } from './table.js';

// Size and time limits (the `limits` block; TEST_LIMITS in table.ts shrinks them).
// Slowloris (RSnake 2009) holds connections open with slow headers or bodies.

const H = 'Host: example.test\r\n';

const rows: Row[] = [
  { name: 'target over maxUriLength → 414', send: `GET /${'a'.repeat(1100)} HTTP/1.1\r\n${H}\r\n`, status: 414, close: true, upstream: 'nothing' },
  { name: 'request line over the whole header budget → 414', send: `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`, status: 414, close: true, upstream: 'nothing' },
  { name: 'more header fields than maxHeaders → 431', send: `GET / HTTP/1.1\r\n${H}${Array.from({ length: 25 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`, status: 431, close: true, upstream: 'nothing' },
  { name: 'header section over maxHeaderSize → 431', send: `GET / HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(9000)}\r\n\r\n`, status: 431, close: true, upstream: 'nothing' },
  { name: 'Content-Length over maxBodySize → 413 before the body is read', send: `POST / HTTP/1.1\r\n${H}Content-Length: 5000\r\n\r\n`, status: 413, close: true, upstream: 'nothing' },
  {
    name: 'chunked body growing past maxBodySize → 413, upstream never gets a complete request',
    send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${'400\r\n' + 'x'.repeat(1024) + '\r\n'}${'400\r\n' + 'x'.repeat(1024) + '\r\n'}0\r\n\r\n`,
    status: 413,
    close: true,
    upstream: (p) => expect(p.up.requests()).toHaveLength(0),
  },
  { name: 'headers that never end (slowloris) → 408 and close', send: `GET / HTTP/1.1\r\n${H}X-Slow: 1\r\n`, status: 408, close: true, upstream: 'nothing' },
  {
    name: 'a body that never ends → 408 and close, upstream never gets a complete request',
    send: `POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nab`,
    status: 408,
    close: true,
    upstream: (p) => expect(p.up.requests()).toHaveLength(0),
  },
];

describe('hardening: limits', () => {
  for (const row of rows) it(row.name, () => runRow(row));

  it('an idle keep-alive connection is closed after keepAliveTimeout', async () => {
    const p = await startProxy();
    const socket = connect(p.port, '127.0.0.1');
    await once(socket, 'connect');
    const res = await rawRequest(p.port, `GET /a HTTP/1.1\r\n${H}\r\n`, { socket });
    expect(res.responses[0]?.status).toBe(200);
    expect(res.closed).toBe(false);
    // The server closes it (500 ms in TEST_LIMITS); no client action needed.
    await once(socket, 'close');
    await expectStillServing(p);
  });

  it('maxConnections: excess connections are refused, and service resumes as soon as there is room', async () => {
    const p = await startProxy({}, { maxConnections: 3, headersTimeout: '10s', requestTimeout: '20s' });
    const hogs = [];
    for (let i = 0; i < 3; i++) {
      const s = connect(p.port, '127.0.0.1');
      s.on('error', () => {});
      await once(s, 'connect');
      s.write('GET / HTTP/1.1\r\n'); // half a request: holds the slot
      hogs.push(s);
    }
    expect(await connectionsReach(p, 3)).toBe(true);
    // Node closes a connection over the cap at once instead of queueing it unboundedly.
    const refused = await rawRequest(p.port, `GET / HTTP/1.1\r\n${H}\r\n`, { timeoutMs: 3_000 });
    expect(refused.closed).toBe(true);
    expect(refused.responses).toHaveLength(0);
    for (const s of hogs) s.destroy();
    expect(await connectionsReach(p, 0)).toBe(true);
    await expectStillServing(p);
  });
});

/** Polls the server's connection count (no event marks it), bounded by a deadline. */
async function connectionsReach(p: Awaited<ReturnType<typeof startProxy>>, want: number): Promise<boolean> {
  const server = p.cut.app.proxy.server;
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline) {
    const n = await new Promise<number>((resolve) => server.getConnections((_err, count) => resolve(count)));
    if (n === want) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}
