import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { StickyCookie } from '../../../src/routing/sticky.js';
import { startCutover, testConfig } from '../../helpers/servers.js';
import { until } from '../../helpers/wait.js';

/** A WebSocket echo server that prefixes its name, on 127.0.0.1:0. */
async function echoServer(name: string): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data) => ws.send(`${name}:${String(data)}`));
  });
  onTestFinished(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await once(wss, 'close');
  });
  return `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

async function open(url: string, headers: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws', { headers });
  ws.on('error', () => {});
  onTestFinished(() => ws.terminate());
  await once(ws, 'open');
  return ws;
}

async function echo(ws: WebSocket, text: string): Promise<string> {
  ws.send(text);
  const [data] = await once(ws, 'message');
  return String(data);
}

describe('WebSocket tunnels when a canary is reverted', () => {
  it('closes tunnels to the canary with 1001 and leaves stable tunnels open', async () => {
    const stable = await echoServer('v1');
    const canary = await echoServer('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable], canary: [canary], weight: 0, override: { header: 'x-cutover-version' }, upstream: { warm: 0 } }]));
    const toCanary = await open(cut.dataUrl, { 'x-cutover-version': 'canary' });
    const toStable = await open(cut.dataUrl, {});
    expect(await echo(toCanary, 'a')).toBe('v2:a');
    expect(await echo(toStable, 'b')).toBe('v1:b');

    const closed = once(toCanary, 'close');
    expect(cut.app.tunnels.closeVersion('shop', 'canary')).toBe(1);
    const [code] = (await closed) as [number, Buffer];
    expect(code).toBe(1001);

    expect(await echo(toStable, 'c')).toBe('v1:c');
    await until(() => cut.app.tunnels.count('shop') === 1, 'the canary tunnel to be forgotten');
    // A promotion calls nothing: closing stable's tunnels is never part of a switch.
    expect(cut.app.tunnels.closeVersion('shop', 'canary')).toBe(0);
    expect(await echo(toStable, 'd')).toBe('v1:d');
  });
});

describe('WebSocket tunnels and sticky clients', () => {
  // Regression: upgrades ignored the sticky cookie and drew the version at random, so a sticky
  // client's WebSocket could land on the other version than its HTTP requests.
  it('sends a client with a sticky cookie to its version, whatever the draw', async () => {
    const stable = await echoServer('v1');
    const canary = await echoServer('v2');
    const sticky = { cookie: 'cutover-shop', secret: 'a-test-secret-of-32-characters!!' };
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable], canary: [canary], weight: 50, sticky, upstream: { warm: 0 } }]));
    const cookie = new StickyCookie({ ...sticky, maxAge: 86_400_000 });
    const valueOf = (bucket: number): string => cookie.setCookie(bucket, false).split(';')[0]!;
    for (let i = 0; i < 5; i++) {
      const low = await open(cut.dataUrl, { cookie: valueOf(3) });
      const high = await open(cut.dataUrl, { cookie: valueOf(97) });
      expect(await echo(low, 'x')).toBe('v2:x');
      expect(await echo(high, 'y')).toBe('v1:y');
      low.close();
      high.close();
    }
  });
});
