import { describe, expect, it } from 'vitest';
import { rawRequest } from './raw-http.js';
import { expectStillServing, startProxy } from './table.js';

// Issue 15, item 2: a header section past limits.maxHeaderSize got 414 when it
// arrived in more than one read: the overflow was blamed on the request line because
// the read that tripped the limit held no line end before the point where llhttp
// stopped. 431 is the answer for the header section (RFC 6585 §5), 414 only for the
// target (RFC 9112 §3). A loopback read is at most 64 KiB, so these requests, over
// a 64 KiB limit, always span two reads or more.

const LIMITS = { maxHeaderSize: '64kb', maxHeaders: 100 };

describe('a header section over maxHeaderSize is answered 431, whatever the reads', () => {
  it('one huge header value', async () => {
    const p = await startProxy({}, LIMITS);
    const res = await rawRequest(p.port, `GET / HTTP/1.1\r\nHost: example.test\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`, { waitClose: true });
    expect(res.responses[0]?.status).toBe(431);
    expect(res.closed).toBe(true);
    expect(p.up.requests()).toHaveLength(0);
    await expectStillServing(p);
  });

  it('many headers adding up', async () => {
    const p = await startProxy({}, LIMITS);
    const headers = Array.from({ length: 90 }, (_, i) => `X-H${i}: ${'v'.repeat(1_000)}\r\n`).join('');
    const res = await rawRequest(p.port, `GET / HTTP/1.1\r\nHost: example.test\r\n${headers}\r\n`, { waitClose: true });
    expect(res.responses[0]?.status).toBe(431);
    expect(p.up.requests()).toHaveLength(0);
  });

  it('a request target over the limit is still 414', async () => {
    const p = await startProxy({}, { ...LIMITS, maxUriLength: '200kb' });
    const res = await rawRequest(p.port, `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: example.test\r\n\r\n`, { waitClose: true });
    expect(res.responses[0]?.status).toBe(414);
  });
});
