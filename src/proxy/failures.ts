import type { UpstreamFailureKind } from '../metrics/registry.js';

/** Which side a failure came from (pingora's ErrorSource): only upstream failures count against a version. */
export type FailureSide = 'upstream' | 'downstream' | 'internal';

export interface ClassifiedFailure {
  side: FailureSide;
  /** Metric label for upstream failures. */
  kind: UpstreamFailureKind | null;
  /** What the client gets when nothing was written yet; 0 = write nothing (client gone). */
  status: number;
  /** Nothing reached the upstream, so any request may be sent elsewhere. */
  beforeSend: boolean;
}

// The one table from failure to status code. Each row has a test in test/unit/proxy/failures.test.ts.
const CONNECT_REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);
const PROTOCOL = new Set(['UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_INFO', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_INVALID_HEADER_VALUE']);

export function classifyFailure(err: unknown, clientGone: boolean): ClassifiedFailure {
  if (clientGone) return { side: 'downstream', kind: null, status: 0, beforeSend: false };
  const code = (err as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' ? code : '';
  if (CONNECT_REFUSED.has(c)) return { side: 'upstream', kind: 'connect', status: 502, beforeSend: true };
  if (c === 'UND_ERR_CONNECT_TIMEOUT') return { side: 'upstream', kind: 'connect', status: 504, beforeSend: true };
  if (c === 'UND_ERR_HEADERS_TIMEOUT' || c === 'UND_ERR_BODY_TIMEOUT') return { side: 'upstream', kind: 'timeout', status: 504, beforeSend: false };
  if (RESET.has(c)) return { side: 'upstream', kind: 'reset', status: 502, beforeSend: false };
  // undici's HTTPParserError has no code when llhttp rejects the status line itself ("not HTTP at all").
  if (c.startsWith('HPE_') || PROTOCOL.has(c) || (err as { name?: unknown } | null)?.name === 'HTTPParserError') return { side: 'upstream', kind: 'protocol', status: 502, beforeSend: false };
  // A chunked request body grew past limits.maxBodySize (body-limit.ts): the client's doing.
  if (c === 'CUTOVER_BODY_TOO_LARGE') return { side: 'downstream', kind: null, status: 413, beforeSend: false };
  // Node's parser refused a byte inside the request body (bad chunk framing, EOF): it can never be completed.
  if (c === 'CUTOVER_BODY_INCOMPLETE') return { side: 'downstream', kind: null, status: 400, beforeSend: false };
  // A Content-Length body read off the socket of a refused upgrade was too slow (upgrade-fallback.ts).
  if (c === 'ERR_HTTP_REQUEST_TIMEOUT') return { side: 'downstream', kind: null, status: 408, beforeSend: false };
  if (c === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH' || c === 'UND_ERR_ABORTED' || c === 'ERR_STREAM_PREMATURE_CLOSE') {
    // The client's body ended early or the client went away: not the upstream's fault.
    return { side: 'downstream', kind: null, status: 0, beforeSend: false };
  }
  if (c === 'UND_ERR_CLOSED' || c === 'UND_ERR_DESTROYED') return { side: 'internal', kind: null, status: 503, beforeSend: true };
  return { side: 'internal', kind: null, status: 502, beforeSend: false };
}

export const STATUS_TEXT: Record<number, string> = {
  400: 'bad request',
  404: 'no route matches this request',
  408: 'request timeout',
  413: 'request body too large',
  431: 'request header fields too large',
  502: 'bad gateway: the upstream failed',
  503: 'service unavailable: no healthy upstream endpoint',
  504: 'gateway timeout: the upstream did not answer in time',
};

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}
