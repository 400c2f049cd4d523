import type { IncomingMessage } from 'node:http';
import type { LimitsConfig } from '../config/schema.js';
import { isValidHost, REJECT, type Accepted, type Rejection } from './request-guard.js';

// nghttp2 already enforces HTTP/2 framing (RFC 9113 §8.1.2: pseudo-header order and
// presence, lower-case names, no connection-specific fields, content-length vs DATA),
// so what is left for a proxy is what routing relies on: one authority to route by.

const reject = (status: number, message: string): Rejection => Object.freeze({ status, message });
export const REJECT_H2 = {
  connect: reject(405, 'CONNECT is not supported: cutover is a reverse proxy (WebSockets over HTTP/2, RFC 8441, are not offered either; use HTTP/1.1)'),
  authorityMismatch: reject(400, 'the :authority pseudo-header disagrees with Host'),
  tooLarge: reject(431, 'request header fields too large: the header block is over limits.maxHeaderSize'),
} as const;

/**
 * Checks one HTTP/2 stream's request. Accepted streams are always 'plain': HTTP/2
 * frames the body itself, there is no chunked coding to re-frame.
 */
export function guardHttp2Request(req: IncomingMessage, limits: LimitsConfig): Rejection | Accepted {
  if (req.method === 'CONNECT') return REJECT_H2.connect;
  const url = req.url ?? '';
  if (url.length > limits.maxUriLength) return REJECT.uriTooLong;
  if (url.charCodeAt(0) !== 0x2f /* '/' */) return url === '*' ? REJECT.asterisk : REJECT.targetForm;
  const raw = req.rawHeaders;
  // SETTINGS_MAX_HEADER_LIST_SIZE binds a peer only once it has acknowledged our SETTINGS, which an
  // attacker never does: count the block as RFC 9113 §6.5.2 defines it (name + value + 32 per field).
  let size = 0;
  for (let i = 0; i < raw.length; i += 2) size += raw[i]!.length + raw[i + 1]!.length + 32;
  if (size > limits.maxHeaderSize) return REJECT_H2.tooLarge;
  const host = authorityOf(raw);
  if (host === null) return REJECT.noHost;
  if (host === DUPLICATE) return REJECT.duplicateHost;
  if (host === MISMATCH) return REJECT_H2.authorityMismatch;
  if (!isValidHost(host)) return REJECT.badHost;
  return 'plain';
}

const DUPLICATE = '\u0000duplicate';
const MISMATCH = '\u0000mismatch';

/** RFC 9113 §8.3.1: :authority, or Host when a client sent only that; when both, they must agree. */
export function authorityOf(raw: readonly string[]): string | null {
  let authority: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name === ':authority') authority = raw[i + 1];
    else if (name === 'host') {
      if (host !== undefined) return DUPLICATE;
      host = raw[i + 1];
    }
  }
  if (authority !== undefined && host !== undefined && authority.toLowerCase() !== host.toLowerCase()) return MISMATCH;
  return authority ?? host ?? null;
}
