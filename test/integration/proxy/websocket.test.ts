import { once } from 'node:events';
import type { Server } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { startCutover, startUpstream, testConfig, type TestCutover } from '../../helpers/servers.js';
import { connectionsOf, until } from '../../helpers/wait.js';

const NO_WARM = { upstream: { warm: 0 } };

/** An HTTP upstream with a ws echo server on it that prefixes each message with its name. */
async function wsUpstream(name: string) {
  const up = await startUpstream(name);
  const wss = new WebSocketServer({ server: up.server });
  wss.on('connection', (socket, req) => {
    socket.on('message', (data: RawData, isBinary) => socket.send(isBinary ? data : `${name}:${data.toString()}:${req.headers['x-forwarded-for'] ?? ''}`, { binary: isBinary }));
  });
  onTestFinished(() => new Promise<void>((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => resolve());
  }));
  return { up, wss };
}

async function connect(cut: TestCutover, path = '/ws'): Promise<WebSocket> {
  const ws = new WebSocket(cut.dataUrl.replace('http:', 'ws:') + path);
  onTestFinished(() => ws.terminate());
  await once(ws, 'open');
  return ws;
}

async function roundTrip(ws: WebSocket, text: string): Promise<string> {
  const reply = once(ws, 'message') as Promise<[RawData]>;
  ws.send(text);
  return (await reply)[0].toString();
}

async function expectNoSocketLeft(cut: TestCutover, upstream: Server): Promise<void> {
  await until(() => cut.app.tunnels.count() === 0, 'the tunnel to be torn down');
  await until(async () => (await connectionsOf(cut.app.proxy.server)) === 0, 'the client socket to close');
  await until(async () => (await connectionsOf(upstream)) === 0, 'the upstream socket to close');
}

describe('WebSocket through the proxy', () => {
  it('round trip of text and binary messages, then a client close leaves no socket open', async () => {
    const { up, wss } = await wsUpstream('v1');
    const cut = await startCutover(testConfig([{ name: 'chat', stable: [up.url], ...NO_WARM }]));
    const ws = await connect(cut);
    expect(cut.app.tunnels.count('chat')).toBe(1);
    expect(await roundTrip(ws, 'hello')).toBe('v1:hello:127.0.0.1');
    const binary = once(ws, 'message') as Promise<[Buffer, boolean]>;
    ws.send(Buffer.from([0, 1, 2, 255]));
    const [data, isBinary] = await binary;
    expect(isBinary).toBe(true);
    expect([...data]).toEqual([0, 1, 2, 255]);

    const serverSide = [...wss.clients][0]!;
    const serverClosed = once(serverSide, 'close');
    ws.close(1000, 'bye');
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1000);
    await serverClosed;
    await expectNoSocketLeft(cut, up.server);
  });

  it('an upstream that goes away closes the client side too, with no socket left', async () => {
    const { up, wss } = await wsUpstream('v1');
    const cut = await startCutover(testConfig([{ name: 'chat', stable: [up.url], ...NO_WARM }]));
    const ws = await connect(cut);
    expect(await roundTrip(ws, 'ping')).toContain('ping');
    const clientClosed = once(ws, 'close');
    [...wss.clients][0]!.terminate();
    await clientClosed;
    await expectNoSocketLeft(cut, up.server);
  });

  it('the version is chosen by the same split: weight 100 goes to the canary', async () => {
    const stable = await wsUpstream('v1');
    const canary = await wsUpstream('v2');
    const cut = await startCutover(testConfig([{ name: 'chat', stable: [stable.up.url], canary: [canary.up.url], weight: 100, ...NO_WARM }]));
    const ws = await connect(cut);
    expect(await roundTrip(ws, 'which')).toBe('v2:which:127.0.0.1');
    ws.close();
    await once(ws, 'close');
    await expectNoSocketLeft(cut, canary.up.server);
  });

  it('an upgrade on an unknown route gets 404 and the socket is closed', async () => {
    const { up } = await wsUpstream('v1');
    const cut = await startCutover(testConfig([{ name: 'chat', stable: [up.url], match: { pathPrefix: '/ws' }, ...NO_WARM }]));
    const ws = new WebSocket(cut.dataUrl.replace('http:', 'ws:') + '/other');
    ws.on('error', () => {});
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(404);
    ws.terminate();
    await until(async () => (await connectionsOf(cut.app.proxy.server)) === 0, 'the refused socket to close');
  });

  // Regression: a refused upstream hung up on the client; it now gets the same 502 as any request.
  it('a refused upstream answers the upgrade with 502, and no socket is left', async () => {
    const { up } = await wsUpstream('v1');
    const url = up.url;
    await up.close();
    const cut = await startCutover(testConfig([{ name: 'chat', stable: [url], ...NO_WARM }]));
    const ws = new WebSocket(cut.dataUrl.replace('http:', 'ws:') + '/ws');
    ws.on('error', () => {});
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(502);
    ws.terminate();
    await until(() => cut.app.tunnels.count() === 0, 'the tunnel to be torn down');
    await until(async () => (await connectionsOf(cut.app.proxy.server)) === 0, 'the client socket to close');
  });
});
