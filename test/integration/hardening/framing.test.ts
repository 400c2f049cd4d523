import { describe, expect, it } from 'vitest';
import { headerOf } from './raw-http.js';
import { runRow, type Row } from './table.js';

// Request smuggling rests on two parsers disagreeing about where a message ends
// (CL.TE / TE.CL desync, TE obfuscation: Linhart et al. 2005, Kettle 2019).
// Every ambiguous framing is refused with 400 and the connection closed; the
// upstream must receive nothing at all, or never a complete request.

const H = 'Host: example.test\r\n';
const noCompleteRequest = (p: Parameters<Exclude<Row['upstream'], 'nothing'>>[0]): void => {
  expect(p.up.requests()).toHaveLength(0);
};

const rows: Row[] = [
  { name: 'Content-Length with Transfer-Encoding (CL.TE)', send: `POST / HTTP/1.1\r\n${H}Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Transfer-Encoding then Content-Length (TE.CL)', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'two equal Content-Length', send: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`, status: 400, close: true, upstream: 'nothing' },
  { name: 'two different Content-Length', send: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Content-Length list', send: `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Content-Length with sign', send: `POST / HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Content-Length overflow', send: `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\nabc`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Transfer-Encoding: gzip (not chunked)', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\nabc`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Transfer-Encoding: chunked, gzip (chunked not final)', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Transfer-Encoding: gzip, chunked (a coding besides chunked)', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Transfer-Encoding: xchunked (obfuscated)', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Transfer-Encoding with space before the colon', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Transfer-Encoding with a vertical tab', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: \x0bchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'two Transfer-Encoding fields', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Transfer-Encoding on HTTP/1.0', send: `POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'chunk size not hex', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: noCompleteRequest },
  { name: 'chunk size with 0x prefix', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: noCompleteRequest },
  { name: 'chunk size overflow', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF3\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: noCompleteRequest },
  { name: 'chunk lines ended by bare LF', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n`, status: 400, close: true, upstream: noCompleteRequest },
  { name: 'chunk data without CRLF', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n`, status: 400, close: true, upstream: noCompleteRequest },
  { name: 'oversized chunk extension', send: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;${'a'.repeat(20_000)}\r\nabc\r\n0\r\n\r\n`, status: 400, close: true, upstream: noCompleteRequest },
  {
    name: 'valid chunked body is re-framed, never relayed raw',
    send: `POST /up HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n`,
    status: 200,
    upstream: (p) => {
      const [req] = p.up.requests();
      expect(req?.body.toString()).toBe('abcde');
      // undici frames it afresh: chunked, or a Content-Length when the whole body had already arrived.
      const te = headerOf(req!, 'transfer-encoding');
      const cl = headerOf(req!, 'content-length');
      expect(te === 'chunked' ? cl : cl === '5' ? te : 'both or neither').toBeUndefined();
      // The client's framing bytes (extensions, trailer fields) never reach the upstream.
      expect(p.up.allBytes()).not.toContain('ext=1');
      expect(p.up.allBytes()).not.toContain('X-Trailer');
    },
  },
  {
    name: 'valid Content-Length body is forwarded with its length',
    send: `POST /up HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`,
    status: 200,
    upstream: (p) => {
      const [req] = p.up.requests();
      expect(req?.body.toString()).toBe('hello');
      expect(headerOf(req!, 'content-length')).toBe('5');
      expect(headerOf(req!, 'transfer-encoding')).toBeUndefined();
    },
  },
];

describe('hardening: message framing', () => {
  for (const row of rows) it(row.name, () => runRow(row));
});
