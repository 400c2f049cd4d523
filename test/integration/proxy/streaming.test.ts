import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

// The proxy, the client and the upstream share this process, so RSS growth bounds all three:
// a proxy that buffered the body whole would add at least the body's size.
function rssMb(): number {
  return process.memoryUsage.rss() / MB;
}

describe('streamed bodies', () => {
  it('a 200 MB upload generated on the fly reaches the upstream before the client has finished sending it', async () => {
    const TOTAL = 200 * MB;
    let clientSent = 0;
    let sentWhenUpstreamSawFirstByte = -1;
    let upstreamReceived = 0;
    let peakRss = 0;
    const up = await startUpstream('sink', (req, res) => {
      req.on('data', (chunk: Buffer) => {
        if (sentWhenUpstreamSawFirstByte < 0) sentWhenUpstreamSawFirstByte = clientSent;
        upstreamReceived += chunk.length;
        if ((upstreamReceived & (16 * MB - 1)) < chunk.length) peakRss = Math.max(peakRss, rssMb());
      });
      req.on('end', () => res.end(String(upstreamReceived)));
    });
    const cut = await startCutover(testConfig([{ name: 'upload', stable: [up.url] }], { limits: { maxBodySize: '1gb' } }));
    const baselineRss = rssMb();

    const req = httpRequest(cut.dataUrl + '/upload', { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) } });
    const response = once(req, 'response') as Promise<[IncomingMessage]>;
    // Bounded: TOTAL / CHUNK writes, each waiting for 'drain' when the socket pushes back.
    while (clientSent < TOTAL) {
      clientSent += CHUNK.length;
      if (!req.write(CHUNK)) await once(req, 'drain');
    }
    req.end();
    const [res] = await response;
    res.setEncoding('utf8');
    let body = '';
    for await (const c of res) body += c as string;

    expect(res.statusCode).toBe(200);
    expect(Number(body)).toBe(TOTAL);
    expect(sentWhenUpstreamSawFirstByte).toBeGreaterThanOrEqual(0);
    expect(sentWhenUpstreamSawFirstByte).toBeLessThan(TOTAL / 2);
    // Generous: GC is lazy, but buffering would need > 200 MB more.
    expect(peakRss - baselineRss).toBeLessThan(150);
  });

  it('a 100 MB download reaches the client before the upstream has finished writing it', async () => {
    const TOTAL = 100 * MB;
    let upstreamWritten = 0;
    let writtenWhenClientSawFirstByte = -1;
    const up = await startUpstream('source', async (req, res) => {
      req.resume();
      if (req.url !== '/download') return void res.end(); // warm pings
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      while (upstreamWritten < TOTAL && !res.destroyed) {
        upstreamWritten += CHUNK.length;
        if (!res.write(CHUNK)) await once(res, 'drain');
      }
      res.end();
    });
    const cut = await startCutover(testConfig([{ name: 'download', stable: [up.url] }]));
    const req = httpRequest(cut.dataUrl + '/download');
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    let received = 0;
    for await (const chunk of res) {
      if (writtenWhenClientSawFirstByte < 0) writtenWhenClientSawFirstByte = upstreamWritten;
      received += (chunk as Buffer).length;
    }
    expect(received).toBe(TOTAL);
    expect(writtenWhenClientSawFirstByte).toBeLessThan(TOTAL / 2);
  });

  it('an echo streams both ways on one exchange', async () => {
    const up = await startUpstream('echo', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    });
    const cut = await startCutover(testConfig([{ name: 'echo', stable: [up.url] }]));
    const req = httpRequest(cut.dataUrl + '/echo', { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    req.write('ping-1');
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    // The response started while the request body is still open: a full-duplex stream, not store-and-forward.
    const [first] = (await once(res, 'data')) as [Buffer];
    expect(first.toString()).toBe('ping-1');
    req.end('ping-2');
    let rest = '';
    for await (const c of res) rest += (c as Buffer).toString();
    expect(rest).toBe('ping-2');
  });
});
