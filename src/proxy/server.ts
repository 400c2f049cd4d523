import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Server as NetServer, Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { RouteTable } from '../routing/route-table.js';
import { chooseVersion } from './choose-version.js';
import type { ProxyContext } from './context.js';
import { ProxyExchange, writePlain } from './exchange.js';
import { upstreamRequestHeaders } from './headers.js';
import { BodyLimiter } from './body-limit.js';
import { rawAnswer, refuseConnect } from './client-errors.js';
import { answerParseError } from './parse-error-answer.js';
import { guardRequest, type Rejection } from './request-guard.js';
import type { CertificateStore } from './certificate-store.js';
import { authorityOf, guardHttp2Request } from './http2-guard.js';
import { DataListener } from './listener.js';
import { startShadowCopy } from './shadow.js';
import { detachedResponse, SocketBody, withoutHttp2Settings } from './upgrade-fallback.js';
import { isWebSocketUpgrade, type WebSocketTunnels } from './websocket.js';

/** How the data plane listens: `http2` and `tls` of the config. */
export interface ListenOptions {
  http2: boolean;
  certificates: CertificateStore | null;
}

/**
 * The downstream server. Node's own parsers (llhttp, nghttp2) stay in charge of
 * framing; this file decides what to do with a parsed request, HTTP/1.1 or one
 * HTTP/2 stream alike, and hands the forwarding to a ProxyExchange.
 */
export class ProxyServer {
  /** The listening server (TLS, the h2c sniff, or the HTTP/1.1 server itself). */
  readonly server: NetServer;
  readonly http1: Server;
  private readonly listener: DataListener;
  /** X-Forwarded-Proto for what this listener speaks. */
  private readonly scheme: 'http' | 'https';
  private table: RouteTable;
  /** Sockets of refused upgrades being answered as plain HTTP (upgrade-fallback.ts); Node no longer tracks them. */
  private readonly detached = new Set<Socket>();

  constructor(private readonly ctx: ProxyContext, table: RouteTable, private readonly tunnels: WebSocketTunnels, listen: ListenOptions = { http2: false, certificates: null }) {
    this.table = table;
    const limits = ctx.limits;
    const http1 = createServer({
      maxHeaderSize: limits.maxHeaderSize,
      requestTimeout: limits.requestTimeout,
      headersTimeout: Math.min(limits.headersTimeout, limits.requestTimeout),
      keepAliveTimeout: limits.keepAliveTimeout,
      connectionsCheckingInterval: 1_000,
      insecureHTTPParser: false,
      requireHostHeader: true,
    }, this.onRequest);
    // Node silently drops headers past maxHeadersCount; keep one more so an excess can be answered with 431.
    http1.maxHeadersCount = limits.maxHeaders + 1;
    http1.on('clientError', answerParseError);
    http1.on('connect', refuseConnect);
    http1.on('upgrade', this.onUpgrade);
    this.http1 = http1;
    this.scheme = listen.certificates !== null ? 'https' : 'http';
    this.listener = new DataListener(http1, this.onHttp2Request, listen.http2, limits, listen.certificates);
    this.server = this.listener.server;
    this.server.maxConnections = limits.maxConnections;
  }

  /** Swaps the route table; requests in flight keep the one they started with. */
  setTable(table: RouteTable): void {
    this.table = table;
  }

  /** The certificate for handshakes without SNI (or with a name no certificate has), after a renewal. */
  setDefaultCertificate(options: { cert: string; key: string }): void {
    (this.server as TlsServer).setSecureContext({ ...options, minVersion: 'TLSv1.2' });
  }

  get routeTable(): RouteTable {
    return this.table;
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res, null);
  };

  /**
   * An HTTP/2 stream through Node's compatibility API, which offers the part of
   * IncomingMessage/ServerResponse the exchange uses (headers, rawHeaders, url,
   * body stream, writeHead, write/drain, addTrailers, 'close'), so it takes the
   * same path as an HTTP/1.1 request.
   */
  private readonly onHttp2Request = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    this.serve(req as unknown as IncomingMessage, res as unknown as ServerResponse, null, true);
  };

  /**
   * One request, from the guard to the upstream. `upgradeHead` is set for a request that came
   * through the upgrade listener and is served as plain HTTP (onUpgrade): its body, if any,
   * is read off the raw socket, starting with these bytes.
   */
  private serve(req: IncomingMessage, res: ServerResponse, upgradeHead: Buffer | null, h2 = false): void {
    const ctx = this.ctx;
    const startedAt = ctx.now();
    const table = this.table;
    if (ctx.draining) res.shouldKeepAlive = false;
    const raw = req.rawHeaders;
    // HTTP/2's pseudo-headers (:method, :path, :scheme, :authority) are four more raw pairs.
    if (raw.length > (ctx.limits.maxHeaders + (h2 ? 4 : 0)) * 2) return refuse(res, TOO_MANY_HEADERS);
    const verdict = h2 ? guardHttp2Request(req, ctx.limits) : guardRequest(req, ctx.limits);
    if (typeof verdict !== 'string') return refuse(res, verdict);
    // Node's parser stopped at the end of the header section: a chunked body would have to be parsed here.
    if (upgradeHead !== null && verdict === 'chunked') return refuse(res, CHUNKED_UPGRADE);
    const url = req.url ?? '/';
    const route = table.match(h2 ? authorityOf(raw)! : hostOf(raw), url);
    if (route === null) return writePlain(res, 404);

    const peer = req.socket.remoteAddress ?? '';
    const override = route.config.override?.enabled ? route.config.override.header : null;
    const facts = upstreamRequestHeaders(raw, peer, this.scheme, ctx.limits.underscoreHeaders, ctx.isTrustedProxy(peer), override);
    // HTTP/2 frames the body itself: one is coming unless the HEADERS frame ended the stream.
    if (h2) facts.hasBody = !(req as unknown as Http2ServerRequest).stream.endAfterHeaders;
    if (facts.rejectedHeader !== null) return writePlain(res, 400, `header "${facts.rejectedHeader}" contains an underscore, which this proxy rejects`);
    if (facts.hasBody && contentLengthOver(raw, ctx.limits.maxBodySize)) {
      res.shouldKeepAlive = false;
      return writePlain(res, 413);
    }
    const headers = upgradeHead === null ? facts.headers : withoutHttp2Settings(facts.headers);
    // RFC 9113 §8.2.2: "TE: trailers" is the one TE an HTTP/2 hop carries; gRPC servers may insist on it.
    if (facts.teTrailers && route.config.upstream.protocol !== 'http1') headers.push('te', 'trailers');

    const choice = chooseVersion(route, facts, peer, req, res, ctx, startedAt);
    if (choice === null) {
      // No usable stable endpoint: counted against stable (kept out of the analysis), so alerts can see it.
      route.stable.recorder.record(503, ctx.now() - startedAt, true, false);
      return writePlain(res, 503);
    }
    const exchange = new ProxyExchange(ctx, route, req, res, choice.target, choice.pool, headers, facts.hasBody, choice.analysed, startedAt);
    if (verdict === 'chunked') exchange.requestBody = new BodyLimiter(req, ctx.limits.maxBodySize);
    else if (upgradeHead !== null && facts.hasBody) exchange.requestBody = this.upgradeBody(req, res, upgradeHead);
    // Only a route in its shadow step pays for more than this one read; only stable's drawn answers are
    // mirrored (a request forced by the override header is a probe, left out like in the analysis).
    if (route.state.shadowShare > 0 && choice.analysed && choice.target === route.stable) exchange.shadow = startShadowCopy(ctx, route, req, headers, facts.hasBody, startedAt);
    exchange.start();
  }

  /** Connection: upgrade with a WebSocket handshake is tunnelled (websocket.ts); any other upgrade is served as plain HTTP, then closed. */
  private readonly onUpgrade = (req: IncomingMessage, duplex: Duplex, head: Buffer): void => {
    const socket = duplex as Socket;
    if (isWebSocketUpgrade(req)) {
      // The same request checks as any request (duplicate Host, absolute-form mismatch, limits):
      // a handshake must not be routed by a Host the guard would refuse.
      const raw = req.rawHeaders;
      let verdict = raw.length > this.ctx.limits.maxHeaders * 2 ? TOO_MANY_HEADERS : guardRequest(req, this.ctx.limits);
      // A handshake has no body; chunked bytes after it would ride into the tunnel unframed.
      if (verdict === 'chunked') verdict = CHUNKED_UPGRADE;
      if (typeof verdict !== 'string') {
        socket.on('error', noop);
        socket.end(rawAnswer(verdict.status, verdict.message));
        return;
      }
      const route = this.table.match(hostOf(raw), req.url ?? '/');
      this.tunnels.handle(route, req, socket, head, this.ctx);
      return;
    }
    this.detached.add(socket);
    socket.once('close', () => this.detached.delete(socket));
    this.serve(req, detachedResponse(req, socket, this.ctx.limits.keepAliveTimeout), head);
  };

  /** The Content-Length body of a refused upgrade (llhttp validated the field; over maxBodySize was answered 413). */
  private upgradeBody(req: IncomingMessage, res: ServerResponse, head: Buffer): SocketBody {
    // Node answers Expect: 100-continue for the requests it parses; this one it handed over.
    if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
    return new SocketBody(req.socket as Socket, head, Number(req.headers['content-length']), this.ctx.limits.requestTimeout);
  }

  listen(port: number, host: string): Promise<{ port: number; host: string }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? { port: addr.port, host: addr.address } : { port, host });
      });
    });
  }

  /** Stops accepting; idle keep-alive connections close now, busy ones after their response. */
  stopAccepting(): Promise<void> {
    this.ctx.draining = true;
    return new Promise((resolve) => this.listener.close(resolve));
  }

  closeAllConnections(): void {
    this.listener.closeAll();
    for (const socket of this.detached) socket.destroy();
    this.tunnels.closeAll();
  }
}

const TOO_MANY_HEADERS: Rejection = { status: 431, message: 'request header fields too large: too many header fields' };
const CHUNKED_UPGRADE: Rejection = { status: 400, message: 'a chunked body is not accepted on a request with Connection: upgrade' };

/** Refuses a parsed request and closes: an unread body must never be parsed as the next request. */
function refuse(res: ServerResponse, rejection: Rejection): void {
  res.shouldKeepAlive = false;
  writePlain(res, rejection.status, rejection.message);
}

function hostOf(raw: readonly string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') return raw[i + 1];
  }
  return undefined;
}

function contentLengthOver(raw: readonly string[], max: number): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') return Number(raw[i + 1]) > max;
  }
  return false;
}

function noop(): void {}
