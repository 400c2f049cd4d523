import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

// What the proxy may assume about a request body on its way to undici. undici takes
// a stream's end as the end of the message: an ended stream it has not read is sent
// as a complete request with whatever is still buffered (content-length: 0 when
// nothing is), so a body stream is only ever handed over, or handed over again on a
// retry, while it is untouched and alive.

/**
 * The client can no longer complete this body: its stream failed or was destroyed
 * before the parser saw the end of the message. Such a request is the client's
 * failure, whatever the upstream did meanwhile.
 */
export function bodyBroken(req: IncomingMessage, body: Readable): boolean {
  if (req.complete && body === req) return false;
  return body.destroyed || body.errored !== null || (req.destroyed && !req.complete);
}

/**
 * The body can be sent again from its first byte: nobody has read from it, it is
 * neither ended nor failed. A body stream keeps no copy of what it gave away.
 */
export function bodyReplayable(req: IncomingMessage, body: Readable): boolean {
  return !body.readableDidRead && !body.readableEnded && !bodyBroken(req, body);
}
