import { once } from 'node:events';
import { createSecureServer, createServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCutover, testConfig } from '../../helpers/servers.js';
import { certDir, makeCertificate } from '../../helpers/tls.js';
import { totalConnects } from '../switching/support.js';

type H2Server = ReturnType<typeof createServer>;

/** An HTTP/2 upstream that answers its name and the protocol it was spoken to in. */
async function h2Upstream(name: string, server: H2Server): Promise<string> {
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${name} over HTTP/${req.httpVersion}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Sessions cutover keeps warm would hold close() open.
    for (const s of sessions.get(server) ?? []) s.destroy();
  }));
  return String((server.address() as AddressInfo).port);
}

const sessions = new WeakMap<H2Server, Set<{ destroy(): void }>>();
function tracked<T extends H2Server>(server: T): T {
  const set = new Set<{ destroy(): void }>();
  sessions.set(server, set);
  server.on('session', (s) => {
    set.add(s);
    s.once('close', () => set.delete(s));
  });
  return server;
}

describe('HTTP/2 upstreams', () => {
  it('protocol: http2 speaks HTTP/2 by ALPN to an https:// endpoint trusted through upstream.ca', async () => {
    const dir = await certDir();
    const cert = await makeCertificate(dir, 'up', ['localhost', '127.0.0.1']);
    const { readFile } = await import('node:fs/promises');
    const server = tracked(createSecureServer({ cert: await readFile(cert.cert), key: await readFile(cert.key) }) as unknown as H2Server);
    const port = await h2Upstream('v1', server);
    const cut = await startCutover(testConfig([{ name: 'api', stable: [`https://localhost:${port}`], upstream: { protocol: 'http2', ca: cert.cert, warm: 1 } }]));
    const res = await request(cut.dataUrl + '/');
    expect(await res.body.text()).toBe('v1 over HTTP/2.0');
  });

  it('protocol: h2c keeps a warm connection at 0 % and opens none when the weight moves', async () => {
    const stablePort = await h2Upstream('v1', tracked(createServer()));
    const canaryPort = await h2Upstream('v2', tracked(createServer()));
    const cut = await startCutover(testConfig([{ name: 'api', stable: [`http://127.0.0.1:${stablePort}`], canary: [`http://127.0.0.1:${canaryPort}`], weight: 0, upstream: { protocol: 'h2c', warm: 4 } }]));
    const canaryPool = cut.app.pools.get(`http://127.0.0.1:${canaryPort}`)!;
    // Warmed before the data plane listened: one HTTP/2 connection carries every stream.
    expect(canaryPool.stats.connected).toBe(1);
    const before = totalConnects(cut);
    cut.app.states.get('api')!.weight = 100;
    const answers = await Promise.all(Array.from({ length: 50 }, async () => (await request(cut.dataUrl + '/')).body.text()));
    expect(new Set(answers)).toEqual(new Set(['v2 over HTTP/2.0']));
    expect(totalConnects(cut)).toBe(before);
  });
});
