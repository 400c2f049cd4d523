import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually, startRawUpstream, type RawUpstream } from '../hardening/raw-http.js';
import { request } from 'undici';
import { startCutover, testConfig, type TestCutover } from '../../helpers/servers.js';

// Issue 15, item 1: an upload the client never finished reached the upstream as a
// request, and the upstream could answer it as if it were whole. The upstream must
// see it aborted (its connection closed before the message ended), never finished,
// and promptly, not when the client finally goes away.

const H = 'Host: example.test\r\n';

let cut: TestCutover;
async function proxyInFront(up: RawUpstream): Promise<number> {
  cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }]));
  return cut.app.dataAddress.port;
}

/** The client's failure (its bad request, 400), never the version's (5xx), and never retried. */
async function expectCountedAsClientFailure(): Promise<void> {
  expect(await eventually(() => cut.app.proxy.routeTable.routes[0]!.stable.recorder.requests === 1)).toBe(true);
  const metrics = await (await request(`${cut.adminUrl}/metrics`)).body.text();
  expect(metrics).toContain('cutover_requests_total{route="web",version="stable",code="400"} 1');
  expect(metrics).not.toMatch(/cutover_requests_total\{route="web",version="stable",code="5\d\d"\}/);
  expect(metrics).not.toMatch(/cutover_retries_total\{route="web"[^}]*\} [1-9]/);
}

/** A client that keeps its side open after the proxy ends its own, as curl and browsers may. */
async function client(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('error', () => {});
  socket.on('data', () => {});
  await once(socket, 'connect');
  return socket;
}

describe('a truncated upload never reaches the upstream as a finished request', () => {
  for (const [framing, head] of [
    ['content-length', 'Content-Length: 1000\r\n\r\n' + 'x'.repeat(95) + 'hello'],
    ['chunked', 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'],
  ] as const) {
    it(`${framing}: the client ends its side mid-body`, async () => {
      const up = await startRawUpstream();
      const socket = await client(await proxyInFront(up));
      socket.write(`POST /upload HTTP/1.1\r\n${H}${head}`);
      // The upstream sees the request start (undici sends the head with the first body bytes).
      expect(await eventually(() => up.allBytes().includes('hello'))).toBe(true);
      socket.end();
      const closed = await eventually(() => up.closedCount() >= 1);
      expect(closed).toBe(true);
      expect(up.requests()).toHaveLength(0);
      await expectCountedAsClientFailure();
    });
  }

  it('chunked: broken chunk framing mid-body aborts the upstream request while the client stays connected', async () => {
    const up = await startRawUpstream();
    const socket = await client(await proxyInFront(up));
    socket.write(`POST /upload HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`);
    expect(await eventually(() => up.allBytes().includes('hello'))).toBe(true);
    // Not hex: llhttp refuses the chunk size, so the body can never be completed. The client
    // neither ends nor closes its side: the upstream abort must not wait for it to.
    socket.write('zz\r\nmore\r\n');
    expect(await eventually(() => up.closedCount() >= 1)).toBe(true);
    expect(up.requests()).toHaveLength(0);
    await expectCountedAsClientFailure();
  });
});
