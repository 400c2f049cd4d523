import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Route, VersionTarget } from '../routing/route-table.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import { stickyCookieOf } from './choose-version.js';
import { classifyFailure, isIdempotent, STATUS_TEXT } from './failures.js';
import { downstreamResponseHeaders, trailerObject } from './headers.js';
import { grpcStatusInRaw, headerObject, isGrpcRequest, respondTrailersOnly, writeGrpcStatus } from './grpc.js';
import type { ProxyContext } from './context.js';
import { bodyBroken, bodyReplayable } from './request-body.js';
import type { ShadowPair } from './shadow.js';

const kExchange = Symbol('cutover.exchange');
type TaggedResponse = ServerResponse & { [kExchange]?: ProxyExchange };
type TaggedRequest = IncomingMessage & { [kExchange]?: ProxyExchange };

class ClientGoneError extends Error {
  readonly code = 'CUTOVER_CLIENT_GONE';
}
const CLIENT_GONE = new ClientGoneError('the client closed the connection');

class BodyIncompleteError extends Error {
  readonly code = 'CUTOVER_BODY_INCOMPLETE';
}
const BODY_INCOMPLETE = new BodyIncompleteError('the request body can never be completed: the parser refused it');
class BodyTimeoutError extends Error {
  readonly code = 'ERR_HTTP_REQUEST_TIMEOUT';
}
const BODY_TIMEOUT = new BodyTimeoutError('the request body did not arrive within limits.requestTimeout');

/**
 * One request in flight to one upstream: the undici dispatch handler that
 * streams the response to the client with backpressure both ways, records the
 * outcome once, and retries at most once when that is safe. One object per
 * request; the listeners it needs are shared functions, not closures.
 */
export class ProxyExchange implements Dispatcher.DispatchHandler {
  private abortUpstream: ((err?: Error) => void) | null = null;
  private resumeUpstream: (() => void) | null = null;
  private sent = false;
  private status = 0;
  private finished = false;
  private clientGone = false;
  private bodyIncomplete: Error | null = null;
  private retried = false;
  /** A gRPC call: its grpc-status, not only its HTTP status, says whether it failed (route.failure). */
  private readonly grpc: boolean;
  /** The grpc-status seen so far (a trailers-only response carries it in the headers). */
  private grpcStatus: string | null = null;
  /** A trailers-only gRPC answer's headers, held until the upstream stream ends (grpc.ts respondTrailersOnly). */
  private trailersOnly: string[] | null = null;
  /** Set for chunked bodies: a BodyLimiter that counts the body on its way upstream (body-limit.ts). */
  requestBody: Readable | null = null;
  /** Set while the route is shadowing and this request was mirrored: it is told stable's answer (shadow.ts). */
  shadow: ShadowPair | null = null;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly route: Route,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private target: VersionTarget,
    private pool: UpstreamPool,
    private readonly upstreamHeaders: string[],
    private readonly hasBody: boolean,
    private analysed: boolean,
    private readonly startedAt: number,
  ) {
    (res as TaggedResponse)[kExchange] = this;
    (req as TaggedRequest)[kExchange] = this;
    res.on('close', onResponseClose);
    this.grpc = isGrpcRequest(req);
  }

  private get body(): Readable {
    return this.requestBody ?? this.req;
  }

  start(): void {
    // A body that failed before it was handed over would reach undici as a dead or ended stream.
    if (this.hasBody && bodyBroken(this.req, this.body)) {
      this.clientGone = true;
      this.onError(CLIENT_GONE);
      return;
    }
    const up = this.route.config.upstream;
    const opts: Dispatcher.DispatchOptions = {
      path: this.req.url ?? '/',
      method: this.req.method as Dispatcher.HttpMethod,
      headers: this.upstreamHeaders,
      body: this.hasBody ? this.body : null,
      headersTimeout: up.headersTimeout,
      bodyTimeout: up.bodyTimeout,
    };
    this.pool.pool.dispatch(opts, this);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.clientGone) abort(CLIENT_GONE);
    else if (this.bodyIncomplete) abort(this.bodyIncomplete);
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) {
      // 1xx: 103 Early Hints may be relayed; others (100) are the proxy's own business.
      if (statusCode === 103 && !this.res.headersSent) this.res.writeEarlyHints(earlyHintLinks(rawHeaders));
      return true;
    }
    this.status = statusCode;
    this.resumeUpstream = resume;
    if (this.grpc) this.grpcStatus = grpcStatusInRaw(rawHeaders);
    this.shadow?.stableHeaders(statusCode, rawHeaders);
    const headers = downstreamResponseHeaders(rawHeaders);
    this.pool.answered();
    // Appended, not res.setHeader(): writeHead with a list would collapse the upstream's own Set-Cookie lines.
    const sticky = this.route.config.sticky === undefined ? undefined : stickyCookieOf(this.res);
    if (sticky !== undefined) headers.push('set-cookie', sticky);
    // Node's server.close() leaves a connection whose request was in flight open for keep-alive,
    // so the drain would wait out keepAliveTimeout; answer with Connection: close instead.
    if (this.ctx.draining) this.res.shouldKeepAlive = false;
    if (this.grpcStatus !== null) {
      this.trailersOnly = headers;
      this.sent = true;
      return true;
    }
    try {
      // HTTP/2 has no reason phrase (RFC 9113 §8.3.2); Node warns when given one.
      if (statusText && this.req.httpVersionMajor !== 2) this.res.writeHead(statusCode, statusText, headers);
      else this.res.writeHead(statusCode, headers);
    } catch {
      // Node refused a header value the upstream sent: the response is unusable.
      this.status = 0;
      this.abortUpstream?.(Object.assign(new Error('upstream sent an invalid header'), { code: 'ERR_INVALID_CHAR' }));
      return false;
    }
    this.sent = true;
    return true;
  }

  onData(chunk: Buffer): boolean {
    // A body after grpc-status in the headers is not gRPC; pass it on as it came.
    if (this.trailersOnly !== null) this.flushHeld();
    this.shadow?.stableData(chunk);
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', onResponseDrain);
    return ok;
  }

  onComplete(trailers: string[] | Buffer[] | null): void {
    // undici's HTTP/2 client hands the trailers over as an object, its HTTP/1.1 client as a list.
    const t = trailers ? trailerObject(trailers as Parameters<typeof trailerObject>[0]) : null;
    if (this.trailersOnly !== null && t === null) {
      respondTrailersOnly(this.res, headerObject(this.status, this.trailersOnly));
      this.trailersOnly = null;
      this.shadow?.stableComplete();
      this.finish(this.status, this.route.failure.failedStatus(this.status) || this.route.failure.failedGrpc(this.grpcStatus!), this.analysed);
      return;
    }
    if (this.trailersOnly !== null) this.flushHeld();
    // HTTP/1.1 can carry trailers only in a chunked body; HTTP/2 always can (RFC 9113 §8.1).
    if (t !== null && (this.req.httpVersionMajor === 2 || !this.res.getHeader('content-length'))) this.res.addTrailers(t);
    this.res.end();
    this.shadow?.stableComplete();
    let failed = this.route.failure.failedStatus(this.status);
    if (this.grpc && !failed) {
      const status = t?.['grpc-status'] ?? this.grpcStatus;
      // A call that ends without a status is UNKNOWN to the client (gRPC over HTTP/2 spec).
      failed = this.route.failure.failedGrpc(status ?? '2');
    }
    this.finish(this.status, failed, this.analysed);
  }

  onError(err: Error): void {
    let failure = classifyFailure(err, this.clientGone || err === CLIENT_GONE || (this.req.destroyed && !this.req.complete));
    // Nothing reached the upstream (undici has not touched the body), yet the body already failed:
    // the client's doing, not the version's, and the request can be sent nowhere else.
    if (failure.beforeSend && this.hasBody && bodyBroken(this.req, this.body)) failure = classifyFailure(err, true);
    if (failure.side === 'downstream') {
      if (failure.status > 0 && !this.res.headersSent && !this.res.destroyed) {
        // The client broke a limit (413) while the upstream had not answered: say so, and close,
        // because the rest of its body is still on the wire.
        this.res.shouldKeepAlive = false;
        writePlain(this.res, failure.status);
        this.finish(failure.status, false, false);
        return;
      }
      // nginx's 499: the client left before the answer; not the upstream's fault, not analysed.
      if (!this.res.destroyed) this.res.destroy();
      this.finish(499, false, false);
      return;
    }
    if (failure.kind) this.target.recorder.upstreamFailure(failure.kind);
    if (failure.kind === 'connect') this.pool.connectFailed(this.ctx.now());
    if (!this.sent && this.tryRetry(failure.beforeSend)) return;
    if (!this.sent && failure.status > 0 && !this.res.headersSent) {
      writePlain(this.res, failure.status);
    } else if (!this.res.destroyed) {
      // Headers are out: cut the connection so the client never mistakes a partial body for a whole one.
      this.res.destroy();
    }
    this.finish(failure.status || 502, failure.side === 'upstream', this.analysed);
  }

  private flushHeld(): void {
    const headers = this.trailersOnly!;
    this.trailersOnly = null;
    this.res.writeHead(this.status, headers);
  }

  /** Sends the request again, once: on stable when the canary failed, else on a fresh stable connection. */
  private tryRetry(beforeSend: boolean): boolean {
    if (this.retried || this.ctx.draining) return false;
    const method = this.req.method ?? 'GET';
    const safe = beforeSend || (!this.hasBody && isIdempotent(method));
    // Whatever undici was given (the request, or the chunked-body limiter) must be untouched and alive for a resend.
    if (!safe || (this.hasBody && !bodyReplayable(this.req, this.body))) return false;
    const stable = this.route.stable;
    const next = stable.endpoints.pick(this.ctx.now());
    if (!next) return false;
    if (this.target.name === 'canary') {
      // The canary attempt is evidence against the canary; the stable answer goes to the client.
      if (this.analysed) this.target.recorder.recordAnalysisOnly(true, this.ctx.now() - this.startedAt);
      this.ctx.countRetry(this.route, 'canary-failed');
    } else {
      this.ctx.countRetry(this.route, beforeSend ? 'connect' : 'reset');
    }
    this.retried = true;
    this.target = stable;
    this.pool = next;
    this.abortUpstream = null;
    // A retried request is not part of the experiment: its version was not drawn at random.
    this.analysed = false;
    this.start();
    return true;
  }

  /**
   * Node's parser refused a byte inside this request's body, so it can never be completed:
   * the upstream request is aborted now (never left to wait for the rest), and the client gets
   * 400 through this request's own response, so it goes out after any response still owed
   * before it: 408 when `limits.requestTimeout` ran out, else 400. False when the exchange is already over.
   */
  bodyFailed(status: number): boolean {
    if (this.finished || this.res.writableFinished) return false;
    this.bodyIncomplete = status === 408 ? BODY_TIMEOUT : BODY_INCOMPLETE;
    if (this.abortUpstream) this.abortUpstream(this.bodyIncomplete);
    return true;
  }

  /** Called when the client connection closes, for any reason. */
  clientClosed(): void {
    // Node's HTTP/2 compatibility response reports writableFinished once its stream closed, even when
    // the client reset it mid-answer; only `finished` (set right after end()) says the answer was whole.
    if (this.finished || (this.req.httpVersionMajor !== 2 && this.res.writableFinished)) return;
    this.clientGone = true;
    if (!this.abortUpstream) return;
    // An HTTP/2 client's reset arrives inside nghttp2's read callback of the downstream session.
    // Aborting an HTTP/2 upstream stream from there (undici closes it while its request body is
    // torn down) sent Node 20's upstream session into an endless SendPendingData loop that grew
    // without bound (regression test: test/integration/http2/client-reset-with-body.test.ts).
    // Leaving the callback first costs nothing on HTTP/1.1, which keeps the direct call.
    if (this.req.httpVersionMajor === 2) setImmediate(abortLater, this.abortUpstream);
    else this.abortUpstream(CLIENT_GONE);
  }

  resume(): void {
    this.resumeUpstream?.();
  }

  private finish(code: number, failed: boolean, analysed: boolean): void {
    if (this.finished) return;
    this.finished = true;
    // After stableComplete() this is a no-op; on every other ending there is nothing to compare.
    this.shadow?.stableFailed();
    this.target.recorder.record(code, this.ctx.now() - this.startedAt, failed, analysed);
    this.ctx.requestDone(this.route, this.target.name, code, this.req, this.startedAt);
  }
}

function abortLater(abort: (err?: Error) => void): void {
  abort(CLIENT_GONE);
}

/** The exchange forwarding this request, if it is still being forwarded. */
export function exchangeOf(req: IncomingMessage): ProxyExchange | undefined {
  return (req as TaggedRequest)[kExchange];
}

function onResponseClose(this: TaggedResponse): void {
  this[kExchange]?.clientClosed();
}

function onResponseDrain(this: TaggedResponse): void {
  this[kExchange]?.resume();
}

function earlyHintLinks(raw: Buffer[]): Record<string, string | string[]> {
  const links: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toString('latin1').toLowerCase() === 'link') links.push(raw[i + 1]!.toString('latin1'));
  }
  return { link: links };
}

const PLAIN_BODIES = new Map<number, Buffer>();
/** A short plain-text answer of the proxy's own, e.g. 502 "bad gateway: the upstream failed". */
export function writePlain(res: ServerResponse, status: number, text?: string): void {
  // Only an HTTP/2 request can be a gRPC call; the check costs nothing for HTTP/1.1.
  if (res.req !== undefined && isGrpcRequest(res.req)) return writeGrpcStatus(res, status, text ?? STATUS_TEXT[status] ?? 'error');
  let body = text === undefined ? PLAIN_BODIES.get(status) : undefined;
  if (!body) {
    body = Buffer.from(`${text ?? STATUS_TEXT[status] ?? 'error'}\n`);
    if (text === undefined) PLAIN_BODIES.set(status, body);
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(body);
}
