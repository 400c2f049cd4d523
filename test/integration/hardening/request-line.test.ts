import { describe, expect, it } from 'vitest';
import { headerOf } from './raw-http.js';
import { runRow, type Row } from './table.js';

// The request line and the header section: anything a second parser (the
// upstream's) could read differently is refused, never cleaned up and relayed.

const H = 'Host: example.test\r\n';

const rows: Row[] = [
  // Request line. RFC 9112 §3, §2.3; RFC 9110 §15.6.6 (505).
  { name: 'method with a non-token character', send: `G@T / HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'lower-case method', send: `get / HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'unknown method', send: `FOO / HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'HTTP/1.2', send: `GET / HTTP/1.2\r\n${H}\r\n`, status: 505, close: true, upstream: 'nothing' },
  { name: 'HTTP/2.0 in an HTTP/1 request line', send: `GET / HTTP/2.0\r\n${H}\r\n`, status: 505, close: true, upstream: 'nothing' },
  { name: 'HTTP/3.1', send: `GET / HTTP/3.1\r\n${H}\r\n`, status: 505, close: true, upstream: 'nothing' },
  { name: 'malformed version', send: `GET / HTTP/x.y\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'lower-case protocol name', send: `GET / http/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'HTTP/0.9 request', send: 'GET /\r\n\r\n', status: 400, close: true, upstream: 'nothing' },
  // With http2 on (the default) the preface starts h2c instead: test/integration/http2/h2c.test.ts.
  { name: 'HTTP/2 prior-knowledge preface with http2: false', send: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', status: 400, close: true, upstream: 'nothing', config: { http2: false } },
  { name: 'CONNECT (open-proxy tunnel)', send: 'CONNECT internal.test:22 HTTP/1.1\r\nHost: internal.test:22\r\n\r\n', status: 405, close: true, upstream: 'nothing' },
  { name: 'space in the target', send: `GET /a b HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'NUL in the target', send: `GET /a\x00b HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'asterisk-form outside OPTIONS', send: `GET * HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'authority-form outside CONNECT', send: `GET example.test:80 HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'request line ended by bare LF', send: 'GET / HTTP/1.1\nHost: example.test\n\n', status: 400, close: true, upstream: 'nothing' },
  // Host. RFC 9112 §3.2, RFC 9110 §7.2.
  { name: 'missing Host (HTTP/1.1)', send: 'GET / HTTP/1.1\r\n\r\n', status: 400, close: true, upstream: 'nothing' },
  { name: 'missing Host (HTTP/1.0)', send: 'GET / HTTP/1.0\r\n\r\n', status: 400, close: true, upstream: 'nothing' },
  { name: 'two Host fields', send: `GET / HTTP/1.1\r\n${H}Host: evil.test\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'Host with a space', send: 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', status: 400, close: true, upstream: 'nothing' },
  { name: 'Host with userinfo', send: 'GET / HTTP/1.1\r\nHost: evil.test@example.test\r\n\r\n', status: 400, close: true, upstream: 'nothing' },
  { name: 'Host with a path', send: 'GET / HTTP/1.1\r\nHost: example.test/x\r\n\r\n', status: 400, close: true, upstream: 'nothing' },
  { name: 'empty Host', send: 'GET / HTTP/1.1\r\nHost: \r\n\r\n', status: 400, close: true, upstream: 'nothing' },
  { name: 'absolute-form whose authority disagrees with Host', send: `GET http://evil.test/admin HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'absolute-form with userinfo', send: `GET http://x@example.test/ HTTP/1.1\r\n${H}\r\n`, status: 400, close: true, upstream: 'nothing' },
  {
    name: 'absolute-form that agrees with Host is sent upstream in origin-form',
    send: `GET http://EXAMPLE.test:80/a?b=1 HTTP/1.1\r\n${H}\r\n`,
    status: 200,
    upstream: (p) => expect(p.up.requests()[0]?.start).toBe('GET /a?b=1 HTTP/1.1'),
  },
  // Field syntax. RFC 9112 §5, §5.2 (obs-fold); RFC 9110 §5.5 (NUL, CR, LF).
  { name: 'NUL in a field value', send: `GET / HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'bare CR in a field value', send: `GET / HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'field line ended by bare LF', send: `GET / HTTP/1.1\r\n${H}X-A: a\nX-B: b\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'whitespace before the colon', send: `GET / HTTP/1.1\r\n${H}X-A : b\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'field line without a colon', send: `GET / HTTP/1.1\r\n${H}foobar\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'obs-fold continuation line', send: `GET / HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'empty field name', send: `GET / HTTP/1.1\r\n${H}: b\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'control character in a field name', send: `GET / HTTP/1.1\r\n${H}X\x01A: b\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  { name: 'DEL in a field value', send: `GET / HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n`, status: 400, close: true, upstream: 'nothing' },
  {
    name: 'underscore header is dropped by default (nginx underscores_in_headers)',
    send: `GET / HTTP/1.1\r\n${H}X_User: admin\r\nX-User: alice\r\n\r\n`,
    status: 200,
    upstream: (p) => {
      expect(headerOf(p.up.requests()[0]!, 'x_user')).toBeUndefined();
      expect(headerOf(p.up.requests()[0]!, 'x-user')).toBe('alice');
    },
  },
  { name: 'underscore header is rejected with underscoreHeaders: reject', send: `GET / HTTP/1.1\r\n${H}X_User: admin\r\n\r\n`, status: 400, upstream: 'nothing', limits: { underscoreHeaders: 'reject' } },
];

describe('hardening: request line and header fields', () => {
  for (const row of rows) it(row.name, () => runRow(row));
});
