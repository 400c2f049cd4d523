import { once } from 'node:events';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { request } from 'undici';
import { clientRequests, startCutover, startUpstream, testConfig, type TestCutover } from '../../helpers/servers.js';

/** A raw TCP server on 127.0.0.1:0 that does `onSocket` with each connection, for answers HTTP servers cannot give. */
async function startTcp(onSocket: (socket: Socket) => void): Promise<{ server: NetServer; url: string }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  });
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://127.0.0.1:${port}` };
}

// Warm pings (upstream.warm) would reach these upstreams before the first request and
// eject a dead one; these tests look at what a client request alone does.
const NO_WARM = { upstream: { warm: 0 } };

/** A port nothing listens on: bind one, then close it. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}`;
}

async function answer(cut: TestCutover, path = '/', host?: string): Promise<{ status: number; body: string; type: string | undefined }> {
  const res = await request(cut.dataUrl + path, host ? { headers: { host } } : {});
  return { status: res.statusCode, body: await res.body.text(), type: res.headers['content-type'] as string | undefined };
}

async function metrics(cut: TestCutover): Promise<string> {
  return (await request(cut.adminUrl + '/metrics')).body.text();
}

describe('failure → status, end to end', () => {
  it('refused → 502, counted as a connect error', async () => {
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [await closedPortUrl()], ...NO_WARM }]));
    const r = await answer(cut);
    expect(r).toMatchObject({ status: 502, body: 'bad gateway: the upstream failed\n', type: 'text/plain; charset=utf-8' });
    expect(await metrics(cut)).toMatch(/cutover_upstream_errors_total\{route="shop",version="stable",kind="connect"\} [12]\n/);
    expect(await metrics(cut)).toContain('cutover_requests_total{route="shop",version="stable",code="502"} 1');
  });

  it('reset → 502, counted as a reset', async () => {
    const tcp = await startTcp((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [tcp.url], ...NO_WARM }]));
    expect(await answer(cut)).toMatchObject({ status: 502, body: 'bad gateway: the upstream failed\n' });
    expect(await metrics(cut)).toMatch(/cutover_upstream_errors_total\{route="shop",version="stable",kind="reset"\} [12]\n/);
  });

  it('garbage instead of HTTP → 502, counted as a protocol error', async () => {
    const tcp = await startTcp((socket) => socket.once('data', () => socket.end('this is not HTTP at all\r\n\r\n')));
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [tcp.url], ...NO_WARM }]));
    expect(await answer(cut)).toMatchObject({ status: 502, body: 'bad gateway: the upstream failed\n' });
    expect(await metrics(cut)).toMatch(/cutover_upstream_errors_total\{route="shop",version="stable",kind="protocol"\} [12]\n/);
  });

  it('a body shorter than its Content-Length → the client connection is cut, never a short body passed as whole', async () => {
    const tcp = await startTcp((socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this')));
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [tcp.url], ...NO_WARM }]));
    const res = await request(cut.dataUrl + '/');
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
  });

  it('slow upstream → 504 after upstream.headersTimeout, counted as a timeout', async () => {
    const up = await startUpstream('slow', (req) => {
      req.resume(); // never answers; closed by the test teardown
    });
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [up.url], upstream: { warm: 0, headersTimeout: '200ms' } }]));
    expect(await answer(cut)).toMatchObject({ status: 504, body: 'gateway timeout: the upstream did not answer in time\n' });
    expect(await metrics(cut)).toMatch(/cutover_upstream_errors_total\{route="shop",version="stable",kind="timeout"\} [12]\n/);
  });

  it('no healthy endpoint → 503, and /readyz says why', async () => {
    const up = await startUpstream('v1');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [up.url], ...NO_WARM }]));
    expect((await request(cut.adminUrl + '/readyz')).statusCode).toBe(200);
    // The health checker is what marks endpoints down; set its verdict directly.
    cut.app.pools.get(up.url)!.healthy = false;
    expect(await answer(cut)).toMatchObject({ status: 503, body: 'service unavailable: no healthy upstream endpoint\n' });
    const ready = await request(cut.adminUrl + '/readyz');
    expect(ready.statusCode).toBe(503);
    expect(await ready.body.text()).toContain('route shop: no healthy stable endpoint');
    expect(clientRequests(up)).toHaveLength(0);
    // Regression: the 503 was never counted, so the "no healthy stable endpoint" alert could not fire.
    const text = await metrics(cut);
    expect(text).toContain('cutover_requests_total{route="shop",version="stable",code="503"} 1');
    expect(text).toContain('cutover_upstream_healthy_endpoints{route="shop",version="stable"} 0');
  });

  it('a canary with no healthy endpoint hands its share to stable', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 100, ...NO_WARM }]));
    cut.app.pools.get(canary.url)!.healthy = false;
    expect(await answer(cut)).toMatchObject({ status: 200, body: 'v1' });
  });

  it('a refused canary is retried on stable: the client gets the stable answer', async () => {
    const stable = await startUpstream('v1');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [await closedPortUrl()], weight: 100, ...NO_WARM }]));
    expect(await answer(cut)).toMatchObject({ status: 200, body: 'v1' });
    const text = await metrics(cut);
    expect(text).toContain('cutover_retries_total{route="shop",reason="canary-failed"} 1');
    expect(text).toContain('cutover_upstream_errors_total{route="shop",version="canary",kind="connect"} 1');
  });

  it('unknown route → 404 with a plain-text body', async () => {
    const up = await startUpstream('v1');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [up.url], match: { host: 'shop.test' } }]));
    expect(await answer(cut, '/', 'other.test')).toMatchObject({ status: 404, body: 'no route matches this request\n' });
    expect(await answer(cut, '/', 'shop.test')).toMatchObject({ status: 200 });
  });

  it('upstream 5xx is passed through and counted as the version\'s failure', async () => {
    const up = await startUpstream('v1', (req, res) => {
      req.resume();
      res.writeHead(500);
      res.end('boom');
    });
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [up.url], ...NO_WARM }]));
    expect(await answer(cut)).toMatchObject({ status: 500, body: 'boom' });
    const routes = await (await request(cut.adminUrl + '/api/v1/routes')).body.json() as { routes: { stable: { failures: number } }[] };
    expect(routes.routes[0]!.stable.failures).toBe(1);
  });

  it('after all of the above the proxy still serves', async () => {
    const tcp = await startTcp((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const up = await startUpstream('v1');
    const cut = await startCutover(testConfig([{ name: 'bad', stable: [tcp.url], match: { pathPrefix: '/bad' } }, { name: 'good', stable: [up.url] }]));
    for (let i = 0; i < 5; i++) expect((await answer(cut, '/bad')).status).toBe(502);
    expect(await answer(cut, '/good')).toMatchObject({ status: 200, body: 'v1' });
  });
});
