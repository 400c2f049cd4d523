import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startCutover, startUpstream, testConfig, type TestCutover } from '../../helpers/servers.js';
import { connectionsOf, until } from '../../helpers/wait.js';

// warm: 0, so the baseline is "no connection at all" and any socket left open shows.
const NO_WARM = { upstream: { warm: 0 } };

/** An upstream that hands each request on /hold to the test and answers everything else at once. */
async function holdingUpstream() {
  const held: { req: IncomingMessage; res: ServerResponse }[] = [];
  let notify: (() => void) | null = null;
  const up = await startUpstream('hold', (req, res) => {
    if (req.url !== '/hold') {
      req.resume();
      return void res.end('ok');
    }
    // The test aborts these on purpose: the upstream's 'aborted' errors are expected.
    req.on('error', () => {});
    res.on('error', () => {});
    held.push({ req, res });
    notify?.();
  });
  const next = async (): Promise<{ req: IncomingMessage; res: ServerResponse }> => {
    if (held.length === 0) await new Promise<void>((resolve) => (notify = resolve));
    notify = null;
    return held.shift()!;
  };
  return { up, next };
}

/** Nothing left open: no proxy client socket, no upstream connection, the pool idle. */
async function expectNoSocketLeft(cut: TestCutover, upstream: Server, origin: string): Promise<void> {
  const pool = cut.app.pools.get(origin)!;
  await until(async () => (await connectionsOf(cut.app.proxy.server)) === 0, 'the proxy to close the client socket');
  await until(async () => (await connectionsOf(upstream)) === 0, 'the upstream connection to close');
  await until(() => pool.stats.connected === 0 && pool.stats.running === 0 && pool.stats.pending === 0, 'the pool to be back to baseline');
}

async function metrics(cut: TestCutover): Promise<string> {
  return (await request(cut.adminUrl + '/metrics')).body.text();
}

describe('client abort', () => {
  it('a client that hangs up before the answer cancels the upstream request', async () => {
    const { up, next } = await holdingUpstream();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [up.url], ...NO_WARM }]));
    const req = httpRequest(cut.dataUrl + '/hold', { agent: false });
    req.on('error', () => {});
    req.end();
    const held = await next();
    const upstreamClosed = once(held.res, 'close');
    req.destroy();
    await upstreamClosed;
    expect(held.res.writableFinished).toBe(false);
    await expectNoSocketLeft(cut, up.server, up.url);
    // nginx's 499: recorded, but not an upstream error and not the version's failure.
    await until(async () => (await metrics(cut)).includes('cutover_requests_total{route="shop",version="stable",code="499"} 1'), 'the 499 to be recorded');
    expect(await metrics(cut)).toMatch(/cutover_upstream_errors_total\{route="shop",version="stable",kind="reset"\} 0\n/);
  });

  it('a client that hangs up mid-upload aborts the upstream request body', async () => {
    const { up, next } = await holdingUpstream();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [up.url], ...NO_WARM }]));
    const req = httpRequest(cut.dataUrl + '/hold', { method: 'POST', agent: false, headers: { 'content-length': String(10 * 1024 * 1024) } });
    req.on('error', () => {});
    req.write(Buffer.alloc(64 * 1024));
    const held = await next();
    await once(held.req, 'data');
    // Not once(): it rejects on the 'aborted' error that comes with the close.
    const upstreamClosed = new Promise((resolve) => held.req.once('close', resolve));
    req.destroy();
    await upstreamClosed;
    expect(held.req.complete).toBe(false);
    await expectNoSocketLeft(cut, up.server, up.url);
  });

  it('a client that hangs up mid-download stops the upstream response', async () => {
    const { up, next } = await holdingUpstream();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [up.url], ...NO_WARM }]));
    const req = httpRequest(cut.dataUrl + '/hold', { agent: false });
    req.on('error', () => {});
    req.end();
    const held = await next();
    held.req.resume();
    held.res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const upstreamClosed = once(held.res, 'close');
    const chunk = Buffer.alloc(64 * 1024);
    // Bounded writer: stops when the response closes, or after 1 GiB in any case.
    void (async () => {
      for (let i = 0; i < 16_384 && !held.res.destroyed; i++) {
        if (!held.res.write(chunk)) await Promise.race([once(held.res, 'drain'), upstreamClosed]);
      }
    })();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    await once(res, 'data');
    req.destroy();
    await upstreamClosed;
    expect(held.res.writableFinished).toBe(false);
    await expectNoSocketLeft(cut, up.server, up.url);
  });

  it('the proxy keeps serving after aborts', async () => {
    const { up, next } = await holdingUpstream();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [up.url], ...NO_WARM }]));
    for (let i = 0; i < 5; i++) {
      const req = httpRequest(cut.dataUrl + '/hold', { agent: false });
      req.on('error', () => {});
      req.end();
      const held = await next();
      const closed = once(held.res, 'close');
      req.destroy();
      await closed;
    }
    const res = await request(cut.dataUrl + '/ok');
    expect(await res.body.text()).toBe('ok');
  });
});
