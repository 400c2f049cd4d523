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

/** The status for a parse error: 431 header overflow, 414 overlong request line, 408 timeouts, 505 version, else 400. */
export function clientErrorStatus(err: ParseError): number {
  const code = err.code ?? '';
  if (code === 'HPE_INVALID_VERSION' && err.rawPacket && WELL_FORMED_VERSION.test(err.rawPacket.subarray(0, 8192).toString('latin1'))) return 505;
  // The header section limit also bounds the request line; when the line itself
  // has no end yet, the target is what is too long (RFC 9112 §3: 414).
  if (code === 'HPE_HEADER_OVERFLOW' && err.rawPacket && requestLineUnfinished(err.rawPacket, err.bytesParsed)) return 414;
  return STATUS_BY_CODE[code] ?? 400;
}

/** The parser ran out of room before the end of the request line. */
function requestLineUnfinished(packet: Buffer, bytesParsed: number | undefined): boolean {
  const lineEnd = packet.indexOf(0x0a);
  return lineEnd === -1 || (bytesParsed !== undefined && lineEnd >= bytesParsed);
}

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
