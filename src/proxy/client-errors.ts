import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

// Requests Node's parser refused, and methods the proxy never forwards. There is
// no request or response object here: answers are written to the socket, once,
// and the connection is closed because the parser has lost the message boundary.

type ParseError = Error & { code?: string; rawPacket?: Buffer; bytesParsed?: number };

const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADERS_TIMEOUT: 408,
};

// RFC 9112 §2.3: "HTTP/" DIGIT "." DIGIT. llhttp only accepts 0.9, 1.0, 1.1 and 2.0;
// any other well-formed version is one we do not support (505), a malformed one is 400.
const WELL_FORMED_VERSION = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ \S+ HTTP\/\d\.\d\r\n/;

/**
 * The status for a parse error: 431 header overflow, 414 overlong request line, 408 timeouts, 505 version, else 400.
 * `bytesRead` is what the connection has delivered so far (socket.bytesRead), to tell its first read from later ones.
 */
export function clientErrorStatus(err: ParseError, bytesRead = 0): number {
  const code = err.code ?? '';
  if (code === 'HPE_INVALID_VERSION' && err.rawPacket && WELL_FORMED_VERSION.test(err.rawPacket.subarray(0, 8192).toString('latin1'))) return 505;
  // The header section limit also bounds the request line; only when the target
  // itself is what ran over is the answer 414 (RFC 9112 §3), else 431 (RFC 6585 §5).
  if (code === 'HPE_HEADER_OVERFLOW' && err.rawPacket && targetOverflowed(err.rawPacket, err.bytesParsed, bytesRead)) return 414;
  return STATUS_BY_CODE[code] ?? 400;
}

/**
 * True only when the overflow provably happened in the request target. The packet is
 * the one read that tripped the limit, not the whole message, and llhttp stops at the
 * end of the span that overflowed: of the spans Node counts, only the target ends at
 * a space (the one before the version); a header name ends at its colon, a value at
 * its CR. A span cut by the end of the read is the target when its line is in view
 * (it began in this read, or this read is the connection's first) and reads as a
 * request line. Ambiguous cases get 431: the header section, which the request line
 * is part of, is over the limit either way.
 */
export function targetOverflowed(packet: Buffer, bytesParsed: number | undefined, bytesRead: number): boolean {
  const at = Math.min(bytesParsed ?? packet.length, packet.length);
  if (at < packet.length) return packet[at] === 0x20;
  const lineStart = at === 0 ? 0 : packet.lastIndexOf(0x0a, at - 1) + 1;
  if (lineStart === 0 && bytesRead !== packet.length) return false;
  return REQUEST_LINE_START.test(packet.subarray(lineStart, at).toString('latin1'));
}

// RFC 9112 §3: method SP request-target, nothing after the target yet.
const REQUEST_LINE_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [^ \r\n]*$/;

/**
 * True when a response on this connection has already started: writing a raw
 * answer now would splice it into that response, so the caller must only close.
 */
export function responseStarted(socket: Duplex): boolean {
  const current = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  return current != null && current.headersSent;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 414: 'URI Too Long', 431: 'Request Header Fields Too Large', 505: 'HTTP Version Not Supported',
};

/** A complete, closing HTTP/1.1 answer for a connection that has no response object. */
export function rawAnswer(status: number, text: string, extraHeaders = ''): string {
  const body = `${text}\n`;
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`;
}

/**
 * CONNECT turns the connection into a blind tunnel to any host:port: an open
 * proxy. cutover is a reverse proxy, so CONNECT is refused (RFC 9110 §9.3.6,
 * §15.5.6: 405 names the allowed methods) and the connection closed.
 */
export function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  socket.on('error', noop);
  socket.end(rawAnswer(405, 'CONNECT is not supported: cutover is a reverse proxy', 'Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n'));
}

function noop(): void {}
