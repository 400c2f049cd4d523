import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { clientErrorStatus, rawAnswer, responseStarted } from './client-errors.js';
import { exchangeOf } from './exchange.js';

// A request Node's parser refused, answered once and in its place on the connection.
// llhttp stops at the first byte it cannot parse, but the requests it parsed before
// it are still owed their responses, in order (RFC 9112 §9.3.2): a valid request
// followed by a broken one gets its own response, then the 400, then the close.
// The exception is a broken body: that request can never be completed, so it is
// aborted upstream at once rather than left for the upstream to wait out, and its
// exchange answers 400 through the request's own response, still in order.

type ParseError = Error & { code?: string; rawPacket?: Buffer; bytesParsed?: number };
interface ClientSocket extends Socket {
  /** Node's parser for this connection; `incoming` is the last request it parsed. */
  parser?: { incoming?: IncomingMessage | null } | null;
  /** The response being written, the first of those still owed. */
  _httpMessage?: ServerResponse | null;
  [kAnswered]?: true;
}

const kAnswered = Symbol('cutover.parseErrorAnswered');

const TEXT: Record<number, string> = {
  400: 'bad request', 408: 'request timeout', 414: 'request target too long', 431: 'request header fields too large', 505: 'HTTP version not supported',
};

/** The server's 'clientError' listener: answer with the right code and close, never forward. */
export function answerParseError(err: ParseError, duplex: Duplex): void {
  const socket = duplex as ClientSocket;
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  // llhttp keeps its error: every later read on this connection reports it again.
  if (socket[kAnswered]) return;
  socket[kAnswered] = true;
  const status = clientErrorStatus(err, socket.bytesRead);
  const answer = rawAnswer(status, TEXT[status] ?? 'bad request');
  const last = socket.parser?.incoming;
  if (last != null && !last.complete) {
    // The error is inside this request's body (bad chunk framing, the client's end of the stream).
    if (exchangeOf(last)?.bodyFailed(status)) return;
  }
  afterOwedResponses(socket, answer);
}

/** Writes the answer once every response still owed on this connection has finished. */
function afterOwedResponses(socket: ClientSocket, answer: string): void {
  const current = socket._httpMessage;
  if (current == null) {
    // A response that asked to close (Connection: close, a refusal) has ended the connection already.
    if (socket.writableEnded) socket.destroy();
    else answerNow(socket, answer);
    return;
  }
  // Node's own 'finish' listener runs first and hands the connection to the next response, if any.
  current.once('finish', () => afterOwedResponses(socket, answer));
}

function answerNow(socket: ClientSocket, answer: string): void {
  // A response already under way would have the answer spliced into it: only close.
  if (responseStarted(socket)) socket.destroy();
  else socket.end(answer);
}
