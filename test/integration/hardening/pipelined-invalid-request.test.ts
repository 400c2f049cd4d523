import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually, rawRequest, startRawUpstream } from './raw-http.js';
import { startCutover, testConfig } from '../../helpers/servers.js';
import { TEST_LIMITS } from './table.js';

// Issue 15, item 2: a valid request followed on the same connection by an invalid
// one got the 400 meant for the second instead of its own response, which was lost.
// Responses go out in request order (RFC 9112 §9.3.2): the valid request's answer,
// then 400, then the close; the invalid bytes never reach the upstream.

const H = 'Host: example.test\r\n';
const BROKEN = 'GET /broken HTTP/1.1\r\nBad Header\r\n\r\n';

describe('a valid request pipelined before an invalid one gets its own response, then 400 and close', () => {
  it('while the upstream is still answering the first one', async () => {
    let answerFirst: (() => void) | null = null;
    const up = await startRawUpstream((socket, request) => {
      const target = request.start.split(' ')[1] ?? '';
      // Hold the answer until the broken request has been parsed and refused.
      answerFirst = () => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${target.length}\r\n\r\n${target}`);
    });
    const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
    const pending = rawRequest(cut.app.dataAddress.port, `GET /first HTTP/1.1\r\n${H}\r\n${BROKEN}`, { waitClose: true });
    expect(await eventually(() => answerFirst !== null)).toBe(true);
    answerFirst!();
    const res = await pending;
    expect(res.responses.map((r) => r.status)).toEqual([200, 400]);
    expect(res.responses[0]!.body.toString()).toBe('/first');
    expect(res.closed).toBe(true);
    expect(up.requests().map((r) => r.start)).toEqual(['GET /first HTTP/1.1']);
  });

  it('several valid ones, then the invalid one', async () => {
    const up = await startRawUpstream((socket, request) => {
      const target = request.start.split(' ')[1] ?? '';
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${target.length}\r\n\r\n${target}`);
    });
    const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
    const valid = ['/1', '/2', '/3'].map((t) => `GET ${t} HTTP/1.1\r\n${H}\r\n`).join('');
    const res = await rawRequest(cut.app.dataAddress.port, valid + BROKEN, { waitClose: true });
    expect(res.responses.map((r) => [r.status, r.status === 200 ? r.body.toString() : ''])).toEqual([[200, '/1'], [200, '/2'], [200, '/3'], [400, '']]);
    expect(res.closed).toBe(true);
  });

  it('a valid request, then one whose chunked body breaks: the first answered, the second aborted upstream and answered 400', async () => {
    let answerFirst: (() => void) | null = null;
    const up = await startRawUpstream((socket, request) => {
      if (request.start.startsWith('GET')) answerFirst = () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n/first');
    });
    const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
    const client = connect(cut.app.dataAddress.port, '127.0.0.1');
    await once(client, 'connect');
    const pending = rawRequest(cut.app.dataAddress.port, `GET /first HTTP/1.1\r\n${H}\r\nPOST /upload HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`, { socket: client, waitClose: true });
    expect(await eventually(() => answerFirst !== null && up.allBytes().includes('hello'))).toBe(true);
    // Not hex: the POST's body can never be completed. Its upstream connection is cut while the GET is still unanswered.
    client.write('zz\r\n');
    expect(await eventually(() => up.closedCount() >= 1)).toBe(true);
    answerFirst!();
    const res = await pending;
    expect(res.responses.map((r) => r.status)).toEqual([200, 400]);
    expect(res.responses[0]!.body.toString()).toBe('/first');
    expect(up.requests().map((r) => r.start)).toEqual(['GET /first HTTP/1.1']);
  });
});
