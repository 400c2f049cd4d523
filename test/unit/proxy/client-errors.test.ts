import { describe, expect, it } from 'vitest';
import { clientErrorStatus, targetOverflowed } from '../../../src/proxy/client-errors.js';

// Issue 15, item 2: which part of the header section ran over maxHeaderSize, from the
// one read Node hands to clientError and the offset where llhttp stopped in it.

const packet = (s: string) => Buffer.from(s, 'latin1');

describe('targetOverflowed', () => {
  it('a header value whose span ended at its CR in a later read is not the target (was 414)', () => {
    const p = packet(`${'b'.repeat(16_000)}\r\n\r\n`);
    expect(targetOverflowed(p, 16_000, 20_000)).toBe(false);
  });

  it('the target span ends at the space before the version, even in a later read', () => {
    const p = packet(`${'a'.repeat(16_000)} HTTP/1.1\r\n\r\n`);
    expect(targetOverflowed(p, 16_000, 20_000)).toBe(true);
  });

  it('a span cut by the end of the first read: the request line is in view', () => {
    expect(targetOverflowed(packet(`GET /${'a'.repeat(100)}`), 105, 105)).toBe(true);
    expect(targetOverflowed(packet(`GET / HTTP/1.1\r\nX-Big: ${'b'.repeat(100)}`), 123, 123)).toBe(false);
  });

  it('a span cut by the end of a later read, its line out of view: 431, not a guess', () => {
    expect(targetOverflowed(packet('a'.repeat(100)), 100, 5_000)).toBe(false);
  });

  it('a pipelined request whose target overflows in the same read', () => {
    const p = packet(`GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /${'a'.repeat(100)}`);
    expect(targetOverflowed(p, p.length, p.length)).toBe(true);
  });
});

describe('clientErrorStatus', () => {
  it('header overflow is 431 unless the target overflowed', () => {
    const err = Object.assign(new Error('overflow'), { code: 'HPE_HEADER_OVERFLOW', rawPacket: packet(`${'b'.repeat(50)}\r\n\r\n`), bytesParsed: 50 });
    expect(clientErrorStatus(err, 5_000)).toBe(431);
  });
});
