import { describe, expect, it } from 'vitest';
import { startCutover, testConfig } from '../../helpers/servers.js';
import { eventually, rawRequest, startRawUpstream, type RawHandler } from '../hardening/raw-http.js';

// Upstreams misbehave the way crashing or buggy processes do. Whatever they send,
// the client gets a well-formed answer or a visibly broken one (connection closed
// mid-body), never a corrupted or fabricated "complete" response.

const GET = (path = '/') => `GET ${path} HTTP/1.1\r\nHost: example.test\r\n\r\n`;

async function proxyTo(handler: RawHandler, upstream: Record<string, unknown> = {}) {
  const up = await startRawUpstream(handler);
  const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0, headersTimeout: '300ms', bodyTimeout: '2s', ...upstream } }]));
  return { up, cut, port: cut.app.dataAddress.port };
}

const invalidResponses: [string, string][] = [
  ['an invalid status line', 'HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['a status line without a code', 'HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['two equal Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok'],
  ['conflicting Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nokokok'],
  ['Content-Length with Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'],
  ['oversized headers', `HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(70_000)}\r\nContent-Length: 2\r\n\r\nok`],
  ['NUL in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok'],
  ['obs-fold in a header', 'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok'],
];

describe('upstream faults', () => {
  for (const [name, bytes] of invalidResponses) {
    it(`${name} → 502 and the upstream connection is discarded`, async () => {
      const { up, port } = await proxyTo((socket) => socket.write(Buffer.from(bytes, 'latin1')));
      const res = await rawRequest(port, GET());
      expect(res.responses[0]?.status).toBe(502);
      expect(res.text).not.toContain('\x00');
      expect(await eventually(() => up.closedCount() >= 1)).toBe(true);
    });
  }

  it('bytes after the end of a response never become the next response', async () => {
    const { port } = await proxyTo((socket, _req, i) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n#${i} HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED`);
    });
    const first = await rawRequest(port, GET('/1'));
    expect(first.responses[0]?.body.toString()).toBe('#0 ');
    for (let i = 0; i < 3; i++) {
      const next = await rawRequest(port, GET('/n'));
      expect(next.text).not.toContain('SMUGGLED');
      expect([200, 502]).toContain(next.responses[0]?.status);
    }
  });

  it('a Content-Length body cut off mid-way is never presented as complete', async () => {
    const { port } = await proxyTo((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
      setImmediate(() => socket.destroy());
    });
    const res = await rawRequest(port, GET(), { waitClose: true });
    expect(res.closed).toBe(true);
    expect(res.responses).toHaveLength(0); // 10 of 100 bytes: incomplete by its own framing
    expect(res.text).toContain('Content-Length: 100');
  });

  it('a chunked body cut off mid-way never gets a final chunk', async () => {
    const { port } = await proxyTo((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n');
      setImmediate(() => socket.destroy());
    });
    const res = await rawRequest(port, GET(), { waitClose: true });
    expect(res.closed).toBe(true);
    expect(res.text).not.toMatch(/\r\n0\r\n\r\n$/);
    expect(res.responses).toHaveLength(0);
  });

  it('103 Early Hints before the final response is relayed and leaves it intact', async () => {
    const { port } = await proxyTo((socket) => {
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal');
    });
    const res = await rawRequest(port, GET());
    expect(res.informational.map((m) => m.status)).toEqual([103]);
    expect(res.text).toContain('</a.css>; rel=preload');
    expect(res.responses[0]?.status).toBe(200);
    expect(res.responses[0]?.body.toString()).toBe('final');
  });

  it('an unsolicited 100 Continue is discarded and the final response relayed intact (issue 15)', async () => {
    // cutover answers Expect itself and never forwards it, so a 100 from upstream was not asked
    // for; it is cut out before undici sees it (interim-continue.test.ts has the other cases).
    const { up, port } = await proxyTo((socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal');
    });
    const res = await rawRequest(port, GET());
    expect(res.responses.map((r) => [r.status, r.body.toString()])).toEqual([[200, 'final']]);
    expect(res.informational).toEqual([]);
    expect(up.closedCount()).toBe(0);
  });

  it('a pooled connection the upstream closes while idle is not a 502', async () => {
    const { up, port } = await proxyTo((socket) => {
      // Advertises keep-alive, then closes: the proxy's next request may race the FIN.
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    for (let i = 0; i < 5; i++) {
      const res = await rawRequest(port, GET(`/${i}`));
      expect(res.responses[0]?.status).toBe(200);
    }
    expect(up.requests().length).toBeGreaterThanOrEqual(5);
  });

  it('a request that lands on a connection the upstream is closing is retried on a fresh one', async () => {
    const perSocket = new WeakMap<object, number>();
    const { port } = await proxyTo((socket) => {
      const n = (perSocket.get(socket) ?? 0) + 1;
      perSocket.set(socket, n);
      // The second request on a connection meets the idle-close: no answer, just the close.
      if (n === 2) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    for (let i = 0; i < 3; i++) expect((await rawRequest(port, GET(`/${i}`))).responses[0]?.status).toBe(200);
  });

  it('an upstream that never answers → 504 after upstream.headersTimeout', async () => {
    const { port } = await proxyTo(() => {});
    const res = await rawRequest(port, GET(), { timeoutMs: 5_000 });
    expect(res.responses[0]?.status).toBe(504);
  });

  it('an upstream that is down → 502/503 at once, then normal service once it is back', async () => {
    const first = await startRawUpstream();
    const upPort = first.port;
    const cut = await startCutover(testConfig([{ name: 'web', stable: [first.url], upstream: { warm: 0 } }]));
    const port = cut.app.dataAddress.port;
    expect((await rawRequest(port, GET())).responses[0]?.status).toBe(200);
    await first.close();
    const down = await rawRequest(port, GET());
    expect([502, 503]).toContain(down.responses[0]?.status);
    await startRawUpstream(undefined, upPort);
    expect(await pollUntil200(port)).toBe(true);
  });
});

/** Sends a request every 100 ms until one is answered 200; bounded at 5 s. */
async function pollUntil200(port: number): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const status = (await rawRequest(port, GET('/back'))).responses[0]?.status ?? 0;
    if (status === 200) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
