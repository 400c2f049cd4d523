import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { GRPC_DEADLINE_EXCEEDED, GRPC_INTERNAL, GRPC_RESOURCE_EXHAUSTED, GRPC_UNAVAILABLE, GRPC_UNIMPLEMENTED } from '../config/grpc-status.js';

/** A gRPC call: HTTP/2 with content-type application/grpc[+proto|+json|...] (gRPC over HTTP/2 spec). */
export function isGrpcRequest(req: IncomingMessage): boolean {
  // Http2ServerRequest has a stream; an HTTP/1.1 request line saying "HTTP/2.0" does not make one.
  if (req.httpVersionMajor !== 2 || (req as { stream?: unknown }).stream === undefined) return false;
  const ct = req.headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc');
}

/**
 * The proxy's own answer to a gRPC client, as gRPC's HTTP-to-gRPC status mapping
 * (grpc/doc/http-grpc-status-mapping.md) reads it: a trailers-only response, so a
 * client library reports UNAVAILABLE or DEADLINE_EXCEEDED instead of "received
 * HTTP 502 with a text/plain body".
 */
export function writeGrpcStatus(res: ServerResponse, httpStatus: number, message: string): void {
  respondTrailersOnly(res, {
    ':status': 200,
    'content-type': 'application/grpc',
    'grpc-status': String(grpcStatusFor(httpStatus)),
    // RFC 3986 percent-encoding, as grpc-message requires.
    'grpc-message': encodeURIComponent(message),
  });
}

/**
 * A trailers-only response must be one HEADERS frame with END_STREAM: clients
 * (grpc-js, grpc-go) read the status from it only then. Node's compatibility
 * writeHead()+end() sends HEADERS and then an empty DATA frame, which a client
 * reads as "call ended without gRPC status", so this goes to the stream itself.
 */
export function respondTrailersOnly(res: ServerResponse, headers: OutgoingHttpHeaders): void {
  const stream = (res as unknown as Http2ServerResponse).stream;
  if (stream.headersSent || stream.destroyed) {
    res.end();
    return;
  }
  stream.respond(headers, { endStream: true });
}

/** A flat [name, value, ...] list as the header object stream.respond() takes (repeated names become arrays). */
export function headerObject(status: number, flat: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':status': status };
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    const value = flat[i + 1]!;
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else out[name] = Array.isArray(seen) ? [...seen, value] : [String(seen), value];
  }
  return out;
}

export function grpcStatusFor(httpStatus: number): number {
  switch (httpStatus) {
    case 502: case 503: return GRPC_UNAVAILABLE;
    case 504: case 408: return GRPC_DEADLINE_EXCEEDED;
    case 404: case 405: return GRPC_UNIMPLEMENTED;
    case 413: case 431: return GRPC_RESOURCE_EXHAUSTED;
    default: return GRPC_INTERNAL;
  }
}

/** grpc-status in a header list from undici: flat [name, value, ...] of Buffers or strings; null when absent. */
export function grpcStatusInRaw(raw: readonly (Buffer | string)[]): string | null {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 11 && name.toString() === 'grpc-status') return raw[i + 1]!.toString();
  }
  return null;
}
