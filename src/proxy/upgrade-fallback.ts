import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { BodyAbortedError } from './body-limit.js';

// An upgrade cutover will not tunnel (Upgrade: h2c, TLS/1.2, anything but a WebSocket
// handshake) is served as a plain HTTP/1.1 request: RFC 9110 §7.8 lets a server ignore
// Upgrade, and that is what nginx and Envoy do (never tunnelling h2c is the defence
// against h2c smuggling).
//
// Node 20 gives every request with Connection: upgrade and an Upgrade field to the
// 'upgrade' listener (parserOnIncoming in lib/_http_server.js decides on
// listenerCount('upgrade') alone; shouldUpgradeCallback came in a later Node line), and
// by then it has freed the parser and let go of the socket. Without a listener Node
// would serve the request as 'request' but drop whatever the client pipelined behind
// it in the same read: a desync, so that is not an option either. The request is
// served here on the raw socket instead, through a ServerResponse bound to it, so Node
// still writes the status line, the headers and the framing (Content-Length, chunked,
// none for HEAD/204/304), always with Connection: close. After the response the
// connection is closed: no byte the client sent after the request (or after its
// Content-Length body) is parsed as HTTP or forwarded.

/** A response written straight to a socket Node's HTTP server has let go of; the socket closes after it. */
export function detachedResponse(req: IncomingMessage, socket: Socket, lingerMs: number): ServerResponse {
  socket.on('error', noop);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  // What the client sends is read and discarded (a Content-Length body is taken by SocketBody
  // first): never parsed, never forwarded, but a client that hangs up is noticed and its
  // upstream request cancelled, as Node does for the requests it parses (httpAllowHalfOpen off).
  socket.on('data', noop);
  socket.once('end', () => {
    if (!res.writableFinished) socket.destroy();
  });
  socket.resume();
  res.once('finish', () => closeAfterResponse(socket, lingerMs));
  return res;
}

/**
 * Half-closes, then keeps discarding until the client closes too (or `lingerMs` passes):
 * closing with unread bytes in the kernel buffer would send a reset that can destroy the
 * response before the client has read it.
 */
function closeAfterResponse(socket: Socket, lingerMs: number): void {
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}

/** The client's Content-Length body did not arrive within limits.requestTimeout (classified as 408). */
export class RequestBodyTimeoutError extends Error {
  readonly code = 'ERR_HTTP_REQUEST_TIMEOUT';
}

/**
 * The Content-Length body of an upgrade request, read off the raw socket: `head` is what
 * Node had already read past the header section. Exactly `length` bytes are passed on;
 * whatever follows is discarded. A client that leaves early or is slower than
 * `timeoutMs` fails the stream, so the upstream never sees a complete request.
 */
export class SocketBody extends Readable {
  private left: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly socket: Socket, head: Buffer, length: number, timeoutMs: number) {
    super();
    this.left = length;
    this.timer = setTimeout(() => this.destroy(new RequestBodyTimeoutError(`request body not received within ${timeoutMs} ms`)), timeoutMs);
    this.timer.unref();
    socket.on('data', this.onData);
    socket.once('end', this.onGone);
    socket.once('close', this.onGone);
    if (head.length > 0) this.accept(head);
  }

  override _read(): void {
    if (this.left > 0) this.socket.resume();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.detach();
    done(err);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.accept(chunk);
  };

  private readonly onGone = (): void => {
    if (this.left > 0) this.destroy(new BodyAbortedError('the client closed the connection during the request body'));
  };

  private accept(chunk: Buffer): void {
    if (this.left === 0) return;
    const part = chunk.length > this.left ? chunk.subarray(0, this.left) : chunk;
    this.left -= part.length;
    const more = this.push(part);
    if (this.left === 0) {
      this.detach();
      this.push(null);
    } else if (!more) {
      this.socket.pause();
    }
  }

  private detach(): void {
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onGone);
    this.socket.off('close', this.onGone);
    // Bytes after the body are discarded (detachedResponse): the connection closes after the response.
    if (!this.socket.destroyed) this.socket.resume();
  }
}

/** RFC 9113 §3.2.1 (RFC 7540 §3.2.1): HTTP2-Settings belongs to the connection, like Upgrade. */
export function withoutHttp2Settings(headers: string[]): string[] {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length === 14 && headers[i]!.toLowerCase() === 'http2-settings') {
      const out: string[] = [];
      for (let j = 0; j < headers.length; j += 2) {
        if (headers[j]!.toLowerCase() !== 'http2-settings') out.push(headers[j]!, headers[j + 1]!);
      }
      return out;
    }
  }
  return headers;
}

function noop(): void {}
