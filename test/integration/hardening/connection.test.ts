import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientRequests, startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { eventually, headerOf, rawRequest, startRawUpstream } from './raw-http.js';
import { expectStillServing, runRow, startProxy, TEST_LIMITS, type Row } from './table.js';

const H = 'Host: example.test\r\n';

// Forwarding headers: a client must not be able to forge its address or the
// scheme it used, nor use Connection to strip what the proxy adds (RFC 9110 §7.6.1).
const forwarding: Row[] = [
  {
    name: 'X-Forwarded-For always ends with the real peer',
    send: `GET / HTTP/1.1\r\n${H}X-Forwarded-For: 10.9.9.9\r\n\r\n`,
    status: 200,
    upstream: (p) => expect(headerOf(p.up.requests()[0]!, 'x-forwarded-for')).toBe('10.9.9.9, 127.0.0.1'),
  },
  {
    name: 'Forwarded, X-Forwarded-Host and X-Forwarded-Proto from an untrusted peer are overwritten',
    send: `GET / HTTP/1.1\r\n${H}Forwarded: for=1.2.3.4;proto=https\r\nX-Forwarded-Host: evil.test\r\nX-Forwarded-Proto: https\r\n\r\n`,
    status: 200,
    upstream: (p) => {
      const req = p.up.requests()[0]!;
      expect(headerOf(req, 'forwarded')).toBeUndefined();
      expect(headerOf(req, 'x-forwarded-host')).toBe('example.test');
      expect(headerOf(req, 'x-forwarded-proto')).toBe('http');
    },
  },
  {
    name: 'Connection cannot strip the headers the proxy adds',
    send: `GET / HTTP/1.1\r\n${H}Connection: keep-alive, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host\r\n\r\n`,
    status: 200,
    upstream: (p) => {
      const req = p.up.requests()[0]!;
      expect(headerOf(req, 'x-forwarded-for')).toBe('127.0.0.1');
      expect(headerOf(req, 'x-forwarded-proto')).toBe('http');
      expect(headerOf(req, 'x-forwarded-host')).toBe('example.test');
    },
  },
  {
    name: 'hop-by-hop fields and the fields Connection names are not forwarded',
    send: `GET / HTTP/1.1\r\n${H}Connection: X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=99\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n\r\n`,
    status: 200,
    upstream: (p) => {
      const bytes = p.up.allBytes().toLowerCase();
      for (const name of ['x-secret', 'keep-alive: timeout', '\r\nte:', 'proxy-connection']) expect(bytes).not.toContain(name);
    },
  },
  // Upgrades: only websocket with Connection: upgrade is tunnelled; h2c never (Bishop Fox, "h2c smuggling", 2020).
  // Any other upgrade is served as plain HTTP/1.1 (RFC 9110 §7.8), then the connection is closed.
  {
    name: 'h2c upgrade followed by the HTTP/2 preface: plain HTTP/1.1, the preface never reaches the upstream',
    send: `GET / HTTP/1.1\r\n${H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`,
    status: 200,
    close: true,
    upstream: (p) => {
      expect(p.up.requests()).toHaveLength(1);
      expect(p.up.allBytes()).not.toMatch(/upgrade|http2-settings|PRI \*|h2c/i);
    },
  },
  {
    name: 'Upgrade: TLS/1.2 with Connection: upgrade is served as plain HTTP and closed',
    send: `GET /tls HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: TLS/1.2\r\n\r\n`,
    status: 200,
    close: true,
    upstream: (p) => {
      expect(p.up.requests().map((r) => r.start)).toEqual(['GET /tls HTTP/1.1']);
      expect(p.up.allBytes()).not.toMatch(/upgrade|TLS\/1\.2/i);
    },
  },
  {
    name: 'Upgrade: websocket on a POST is not a WebSocket handshake: plain HTTP, closed',
    send: `POST /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n`,
    status: 200,
    close: true,
    upstream: (p) => {
      expect(p.up.requests().map((r) => r.start)).toEqual(['POST /ws HTTP/1.1']);
      expect(p.up.allBytes()).not.toMatch(/upgrade|websocket/i);
    },
  },
  // Regression: WebSocket handshakes skipped the request guard and were routed by the first of two Hosts.
  {
    name: 'WebSocket handshake with two Host fields: 400, nothing reaches the upstream',
    send: `GET /ws HTTP/1.1\r\n${H}Host: other.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    status: 400,
    close: true,
    upstream: (p) => expect(p.up.requests()).toHaveLength(0),
  },
  {
    name: 'WebSocket handshake with a chunked body: 400, the chunk never rides into a tunnel',
    send: `GET /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    status: 400,
    close: true,
    upstream: (p) => expect(p.up.requests()).toHaveLength(0),
  },
  {
    name: 'Upgrade without Connection: upgrade is a plain request, Upgrade not forwarded',
    send: `GET / HTTP/1.1\r\n${H}Upgrade: websocket\r\n\r\n`,
    status: 200,
    upstream: (p) => expect(headerOf(p.up.requests()[0]!, 'upgrade')).toBeUndefined(),
  },
  {
    name: 'refused upgrade with a Content-Length body: exactly that body is forwarded, the bytes after it are not',
    send: `POST /up HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhelloGET /smuggled HTTP/1.1\r\n${H}\r\n`,
    status: 200,
    close: true,
    upstream: (p) => {
      const req = p.up.requests()[0]!;
      expect(req.start).toBe('POST /up HTTP/1.1');
      expect(headerOf(req, 'content-length')).toBe('5');
      expect(req.body.toString()).toBe('hello');
      expect(p.up.requests()).toHaveLength(1);
      expect(p.up.allBytes()).not.toContain('/smuggled');
    },
  },
  {
    name: 'refused upgrade with a chunked body: 400 and close, nothing forwarded',
    send: `POST / HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: h2c\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    status: 400,
    close: true,
    upstream: 'nothing',
  },
  {
    name: 'refused upgrade with a Content-Length over maxBodySize: 413 before a byte is forwarded',
    send: `POST / HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 2000\r\n\r\nabc`,
    status: 413,
    close: true,
    upstream: 'nothing',
  },
  {
    name: 'refused upgrade goes through the request guard (two Host fields: 400)',
    send: `GET / HTTP/1.1\r\n${H}${H}Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n`,
    status: 400,
    close: true,
    upstream: 'nothing',
  },
];

// What `curl --http2 http://…/` sends: an HTTP/1.1 request asking to switch to h2c.
const CURL_H2C = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n';

describe('hardening: forwarding headers and upgrades', () => {
  for (const row of forwarding) it(row.name, () => runRow(row));

  it('X-Forwarded-Proto and -Host are kept from a trusted proxy, X-Forwarded-For still ends with the peer', async () => {
    const up = await startRawUpstream();
    const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS, trustedProxies: ['127.0.0.1/32'] }));
    const res = await rawRequest(cut.app.dataAddress.port, `GET / HTTP/1.1\r\n${H}X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.test\r\n\r\n`);
    expect(res.responses[0]?.status).toBe(200);
    const req = up.requests()[0]!;
    expect(headerOf(req, 'x-forwarded-proto')).toBe('https');
    expect(headerOf(req, 'x-forwarded-host')).toBe('shop.test');
    expect(headerOf(req, 'x-forwarded-for')).toBe('203.0.113.7, 127.0.0.1');
  });

  it('curl --http2 (Upgrade: h2c) is answered over HTTP/1.1 by the upstream, counted like any request, then closed', async () => {
    const up = await startUpstream('stable');
    const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
    const res = await rawRequest(cut.app.dataAddress.port, CURL_H2C, { waitClose: true });
    expect(res.informational).toHaveLength(0);
    const answer = res.responses[0]!;
    expect(answer.start).toBe('HTTP/1.1 200 OK');
    expect(answer.body.toString()).toBe('stable');
    expect(headerOf(answer, 'x-upstream')).toBe('stable');
    expect(headerOf(answer, 'connection')).toBe('close');
    expect(res.closed).toBe(true);
    // The upstream got a plain HTTP/1.1 request: no Upgrade, no HTTP2-Settings, nothing Connection named.
    const seen = clientRequests(up);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.upgrade).toBeUndefined();
    expect(seen[0]!.headers['http2-settings']).toBeUndefined();
    expect(seen[0]!.headers.connection).not.toMatch(/upgrade|http2-settings/i);
    expect(seen[0]!.headers['x-forwarded-for']).toBe('127.0.0.1');
    const metrics = await (await fetch(`${cut.adminUrl}/metrics`)).text();
    expect(metrics).toContain('cutover_requests_total{route="web",version="stable",code="200"} 1');
  });

  it('a refused upgrade on no route gets 404 as plain HTTP, and the connection is closed', async () => {
    const up = await startRawUpstream();
    const cut = await startCutover(testConfig([{ name: 'api', stable: [up.url], match: { pathPrefix: '/api' }, upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
    const res = await rawRequest(cut.app.dataAddress.port, CURL_H2C, { waitClose: true });
    expect(res.responses[0]?.status).toBe(404);
    expect(res.closed).toBe(true);
    expect(up.requests()).toHaveLength(0);
  });

  it('a refused upgrade whose Content-Length body stalls gets 408 within requestTimeout, the upstream never sees it complete', async () => {
    const p = await startProxy();
    const res = await rawRequest(p.port, `POST /slow HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 10\r\n\r\nabc`, { waitClose: true });
    expect(res.responses[0]?.status).toBe(408);
    // The 408 itself shows requestTimeout fired: without it the proxy would wait for the body for ever.
    expect(res.closed).toBe(true);
    expect(p.up.requests()).toHaveLength(0);
    await expectStillServing(p);
  });

  it('a client that leaves a refused upgrade while the upstream is answering cancels the upstream request', async () => {
    let upstreamSocketClosed = false;
    const up = await startRawUpstream((socket) => {
      socket.on('close', () => (upstreamSocketClosed = true));
    });
    const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
    const socket = connect(cut.app.dataAddress.port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(CURL_H2C);
    expect(await eventually(() => up.requests().length === 1)).toBe(true);
    socket.destroy();
    expect(await eventually(() => upstreamSocketClosed)).toBe(true);
  });

  it('a websocket upgrade the upstream refuses with 403: the 403 reaches the client, later bytes never reach the upstream', async () => {
    const up = await startRawUpstream((socket) => {
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nforbidden');
    });
    const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
    const port = cut.app.dataAddress.port;
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const res = await rawRequest(port, `GET /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, { socket });
    expect(res.responses[0]?.status).toBe(403);
    expect(res.responses[0]?.body.toString()).toBe('forbidden');
    expect(up.requests()).toHaveLength(1);
    expect(headerOf(up.requests()[0]!, 'upgrade')).toBe('websocket');
    if (!socket.destroyed) socket.write(`GET /smuggled HTTP/1.1\r\n${H}\r\n`);
    // The proxy ends the connection after relaying the refusal: once it is closed, nothing more can go upstream.
    if (!socket.destroyed) await once(socket, 'close');
    expect(up.allBytes()).not.toContain('/smuggled');
    expect(up.requests()).toHaveLength(1);
  });

  it('a websocket upgrade the upstream refuses is never turned into a tunnel', async () => {
    const p = await startProxy();
    const socket = connect(p.port, '127.0.0.1');
    await once(socket, 'connect');
    const res = await rawRequest(p.port, `GET /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, { socket });
    // The upstream answered 200, not 101: the client sees that answer.
    expect(res.responses[0]?.status).toBe(200);
    expect(p.up.requests()).toHaveLength(1);
    // Bytes sent after the refusal must never reach the upstream as raw tunnel data.
    if (!socket.destroyed) socket.write(`GET /smuggled HTTP/1.1\r\n${H}\r\n`);
    await expectStillServing(p);
    expect(p.up.allBytes()).not.toContain('/smuggled');
  });
});

describe('hardening: pipelining and aborts', () => {
  it('pipelined requests are answered in order, each with its own response', async () => {
    const p = await startProxy();
    const res = await rawRequest(p.port, ['/1', '/2', '/3'].map((t) => `GET ${t} HTTP/1.1\r\n${H}\r\n`).join(''), { responses: 3 });
    expect(res.responses.map((r) => r.body.toString())).toEqual(['/1', '/2', '/3']);
    expect(p.up.requests().map((r) => r.start)).toEqual(['GET /1 HTTP/1.1', 'GET /2 HTTP/1.1', 'GET /3 HTTP/1.1']);
    await expectStillServing(p);
  });

  for (const framing of ['content-length', 'chunked'] as const) {
    it(`a client that hangs up mid-upload (${framing}) never causes a complete request upstream`, async () => {
      const p = await startProxy();
      const socket = connect(p.port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      const head = framing === 'chunked' ? 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n' : 'Content-Length: 100\r\n\r\nhello';
      socket.write(`POST /upload HTTP/1.1\r\n${H}${head}`);
      // The upstream sees the request start before the client leaves.
      expect(await eventually(() => p.up.allBytes().includes('hello'))).toBe(true);
      socket.destroy();
      expect(await eventually(() => p.up.closedCount() >= 1)).toBe(true);
      expect(p.up.requests()).toHaveLength(0);
      await expectStillServing(p);
    });
  }

  it('a client reset while the response streams cancels the upstream request', async () => {
    let upstreamSocketClosed = false;
    const up = await startRawUpstream((socket) => {
      socket.on('close', () => (upstreamSocketClosed = true));
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial');
    });
    const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
    const socket = connect(cut.app.dataAddress.port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(`GET /stream HTTP/1.1\r\n${H}\r\n`);
    await once(socket, 'data');
    socket.resetAndDestroy();
    expect(await eventually(() => upstreamSocketClosed)).toBe(true);
  });
});
