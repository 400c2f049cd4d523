import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';

/** The client's chunked body grew past limits.maxBodySize. */
export class BodyTooLargeError extends Error {
  readonly code = 'CUTOVER_BODY_TOO_LARGE';
}

/** The client went away before its chunked body ended. */
export class BodyAbortedError extends Error {
  readonly code = 'UND_ERR_ABORTED';
}

const kLimiter = Symbol('cutover.bodyLimiter');
type TaggedRequest = IncomingMessage & { [kLimiter]?: BodyLimiter };

/**
 * Counts a chunked request body on its way to undici and fails it once it grows
 * past the limit. A Content-Length body is refused before it is read (server.ts);
 * a chunked one only shows its size as it arrives.
 *
 * It sits between the request and undici rather than listening on the request
 * because undici destroys the body stream it was given when it aborts, and
 * destroying an IncomingMessage destroys the client socket: the 413 could
 * never be written. Only chunked requests pay for this stream.
 */
export class BodyLimiter extends Transform {
  private seen = 0;

  constructor(private readonly req: IncomingMessage, private readonly max: number) {
    super();
    (req as TaggedRequest)[kLimiter] = this;
    // pipe() forwards data, not errors: a client that hangs up mid-upload must
    // fail the upstream request, never let it look complete (no final chunk).
    req.once('close', onRequestClose);
    req.pipe(this);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      this.req.unpipe(this);
      done(new BodyTooLargeError(`request body over ${this.max} bytes`));
      return;
    }
    done(null, chunk);
  }
}

function onRequestClose(this: TaggedRequest): void {
  const limiter = this[kLimiter];
  if (limiter && !this.complete && !limiter.destroyed) limiter.destroy(new BodyAbortedError('the client closed the connection during the request body'));
}

