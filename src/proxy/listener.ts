import type { Server as HttpServer } from 'node:http';
import { createServer as createHttp2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { DEFAULT_HTTP2 } from '../config/defaults.js';
import type { LimitsConfig } from '../config/schema.js';
import type { CertificateStore } from './certificate-store.js';

// RFC 9113 §3.4: the client connection preface of HTTP/2 with prior knowledge.
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * The sockets the data plane accepts, and which server parses each one:
 * - TLS: ALPN says h2 or http/1.1 (RFC 7301), so the handshake decides;
 * - cleartext with http2 on: the first bytes decide, once per connection
 *   (the preface above is h2c with prior knowledge; anything else is HTTP/1.1);
 * - cleartext with http2 off: the HTTP/1.1 server listens itself, as before.
 * Both protocols then feed the same request handler (server.ts), so an HTTP/2
 * stream is one more request for the split, the analysis and the metrics.
 */
export class DataListener {
  readonly server: NetServer;
  readonly h2: Http2Server | null;
  private readonly sessions = new Set<ServerHttp2Session>();
  private draining = false;

  constructor(
    private readonly http1: HttpServer,
    onRequest: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
    http2: boolean,
    limits: LimitsConfig,
    certificates: CertificateStore | null,
  ) {
    this.h2 = http2 ? this.createH2(onRequest, limits) : null;
    if (certificates !== null) {
      const tls = createTlsServer({
        ...certificates.default.options,
        SNICallback: certificates.sniCallback,
        minVersion: 'TLSv1.2',
        ALPNProtocols: http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
        handshakeTimeout: limits.headersTimeout,
      });
      tls.on('secureConnection', (socket: TLSSocket) => {
        if (socket.alpnProtocol === 'h2' && this.h2 !== null) this.h2.emit('connection', socket);
        else this.http1.emit('connection', socket);
      });
      // A failed handshake (no common version or cipher, a scanner) is the client's; Node destroys the socket.
      tls.on('tlsClientError', noop);
      this.server = tls;
    } else if (this.h2 !== null) {
      this.server = createNetServer({ pauseOnConnect: false }, (socket) => sniff(socket, this.http1, this.h2!, limits.headersTimeout));
    } else {
      this.server = http1;
    }
    if (this.server !== http1) {
      // http.Server starts its connection tracking (closeIdleConnections, and the headersTimeout/
      // requestTimeout sweep of connectionsCheckingInterval) on 'listening'; it never listens itself here.
      this.server.on('listening', () => http1.emit('listening'));
    }
  }

  private createH2(onRequest: (req: Http2ServerRequest, res: Http2ServerResponse) => void, limits: LimitsConfig): Http2Server {
    const h2 = createHttp2Server({
      maxSessionMemory: DEFAULT_HTTP2.maxSessionMemoryMb,
      // The pseudo-headers (:method, :path, :scheme, :authority) count as pairs too.
      maxHeaderListPairs: limits.maxHeaders + 4,
      maxSettings: DEFAULT_HTTP2.maxSettings,
      maxOutstandingPings: DEFAULT_HTTP2.maxOutstandingPings,
      maxSessionInvalidFrames: 100,
      maxSessionRejectedStreams: 100,
      settings: {
        maxConcurrentStreams: DEFAULT_HTTP2.maxConcurrentStreams,
        maxHeaderListSize: limits.maxHeaderSize,
        enablePush: false,
        // RFC 8441 extended CONNECT (WebSockets over HTTP/2) is not offered.
        enableConnectProtocol: false,
      },
    }, onRequest);
    // Idle sessions close like idle HTTP/1.1 connections, but a quiet gRPC stream may last longer than keepAliveTimeout.
    h2.setTimeout(Math.max(limits.keepAliveTimeout, limits.requestTimeout));
    h2.on('session', (session: ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      // A session-level error (a flood nghttp2 refused, a reset socket) ends that session only.
      session.on('error', noop);
      if (this.draining) session.close();
    });
    h2.on('sessionError', noop);
    // No 'timeout' listener on purpose: without one Node destroys the idle session (a slow reader too).
    return h2;
  }

  /** Stops accepting; HTTP/2 sessions get GOAWAY and close when their streams are done. */
  close(done: () => void): void {
    this.draining = true;
    this.server.close(() => done());
    if (this.server !== this.http1) this.http1.close();
    this.http1.closeIdleConnections();
    for (const s of this.sessions) s.close();
  }

  closeAll(): void {
    this.http1.closeAllConnections();
    for (const s of this.sessions) s.destroy();
  }
}

/**
 * Reads the first bytes of a cleartext connection and hands the socket, with those
 * bytes put back, to the server that speaks its protocol. Bounded: at most the
 * preface's 24 bytes are awaited, and a silent connection is closed after headersTimeout.
 */
function sniff(socket: Socket, http1: HttpServer, h2: Http2Server, timeoutMs: number): void {
  let seen: Buffer | null = null;
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const onData = (chunk: Buffer): void => {
    seen = seen === null ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const prefix = seen.compare(PREFACE, 0, n, 0, n) === 0;
    if (prefix && seen.length < PREFACE.length) return;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('close', onClose);
    socket.pause();
    socket.unshift(seen);
    if (prefix) h2.emit('connection', socket);
    else {
      http1.emit('connection', socket);
      // The HTTP/1.1 parser reads from the socket's handle; the bytes put back are still in the stream and need the resume.
      socket.resume();
    }
  };
  const onError = (): void => {
    socket.destroy();
  };
  const onClose = (): void => clearTimeout(timer);
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', onClose);
}

function noop(): void {}
