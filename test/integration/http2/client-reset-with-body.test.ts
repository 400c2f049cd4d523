// Regression: HTTP/2 clients that reset streams carrying request bodies to an HTTP/2 upstream
// (h2load does it to every stream in flight when its run ends) wedged the process: the upstream
// session spun in native code and its memory grew by gigabytes. See clientClosed in exchange.ts.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect, createServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCutover, testConfig } from '../../helpers/servers.js';

const exec = promisify(execFile);

describe('client-reset-with-body', () => {
  it('streams with bodies reset by the client leave the process serving, with bounded memory', async () => {
    const up = createServer((req: Http2ServerRequest, res: Http2ServerResponse) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    up.listen(0, '127.0.0.1');
    await once(up, 'listening');
    const sessions = new Set<{ destroy(): void }>();
    up.on('session', (s) => sessions.add(s));
    onTestFinished(() => {
      for (const s of sessions) s.destroy();
      up.close();
    });
    const cut = await startCutover(testConfig([{ name: 'api', stable: [`http://127.0.0.1:${(up.address() as AddressInfo).port}`], upstream: { protocol: 'h2c', warm: 1 } }]));
    const rssBefore = process.memoryUsage().rss;
    // h2load -D ends its run by resetting every stream still in flight: the trigger as found by the bench.
    // Bounded: two runs of 2 s, 10 connections × 10 streams, loopback.
    const body = join(await mkdtemp(join(tmpdir(), 'cutover-h2load-')), 'body.bin');
    await writeFile(body, Buffer.alloc(21, 0x61));
    for (let run = 0; run < 2; run++) {
      await exec('h2load', ['-t', '1', '-D', '2', '-c', '10', '-m', '10', '-d', body, cut.dataUrl + '/'], { timeout: 15_000 });
    }
    const fresh = connect(cut.dataUrl);
    onTestFinished(() => fresh.destroy());
    const req = fresh.request({ ':method': 'POST', ':path': '/' });
    req.end('x');
    // A wedged process never answers: the test's own timeout is the failure.
    const [headers] = await once(req, 'response') as [Record<string, unknown>];
    req.resume();
    await once(req, 'end');
    expect(headers[':status']).toBe(200);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  }, 30_000);
});
