import type { IncomingMessage } from 'node:http';
import type { LimitsConfig } from '../config/schema.js';

// What llhttp (Node 20, strict mode) does not refuse on its own, checked once per
// request before anything is forwarded. llhttp already rejects CL+TE, several or
// malformed Content-Length values, unknown or non-final codings, bad chunk
// framing, oversized chunk extensions, bad methods, NUL/CR/LF in fields,
// whitespace before the colon and obs-fold (see docs/security.md for the table).
// What is left is accepted by the parser but ambiguous or dangerous at a proxy.

/** Why a request is refused. One constant per class: the hot path allocates nothing. */
export interface Rejection {
  readonly status: number;
  readonly message: string;
}

const reject = (status: number, message: string): Rejection => Object.freeze({ status, message });

export const REJECT = {
  http09: reject(400, 'HTTP/0.9 requests are not supported'),
  version: reject(505, 'HTTP version not supported: use HTTP/1.1'),
  uriTooLong: reject(414, 'request target too long'),
  targetForm: reject(400, 'bad request target: use origin-form ("/path?query") or absolute-form ("http://host/path")'),
  asterisk: reject(400, 'the asterisk-form target ("OPTIONS *") is not proxied'),
  userinfo: reject(400, 'bad request target: userinfo ("user@") is not allowed in the authority'),
  authorityMismatch: reject(400, 'the authority of the absolute-form target disagrees with Host'),
  noHost: reject(400, 'missing Host header'),
  duplicateHost: reject(400, 'more than one Host header'),
  badHost: reject(400, 'invalid Host header'),
  teOnHttp10: reject(400, 'Transfer-Encoding is not allowed in an HTTP/1.0 request'),
  badTransferEncoding: reject(400, 'unsupported Transfer-Encoding: only "chunked" is accepted'),
} as const;

/** The request may be forwarded; 'chunked' means its body length is unknown until it ends. */
export type Accepted = 'plain' | 'chunked';

/**
 * Checks one parsed request. May rewrite an absolute-form target to origin-form
 * (RFC 9112 §3.2.2: the target's authority is what counts; we insist it agrees
 * with Host so that routing and the upstream see the same authority).
 */
export function guardRequest(req: IncomingMessage, limits: LimitsConfig): Rejection | Accepted {
  // RFC 9112 §2.3 / RFC 9110 §15.6.6: llhttp also parses "HTTP/2.0" and a bare
  // HTTP/0.9 request line; neither may be proxied as HTTP/1.1.
  if (req.httpVersionMajor !== 1) return req.httpVersionMajor === 0 ? REJECT.http09 : REJECT.version;
  const url = req.url ?? '';
  // RFC 9112 §3: 414 when the target is longer than we parse.
  if (url.length > limits.maxUriLength) return REJECT.uriTooLong;

  const raw = req.rawHeaders;
  let host: string | undefined;
  let hosts = 0;
  let te: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      host = raw[i + 1];
      hosts++;
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      te = raw[i + 1];
    }
  }
  // RFC 9112 §3.2: a server MUST answer 400 to a request without Host or with more than one.
  // We ask it of HTTP/1.0 too: routing needs it, and every 1.0 client in use sends it.
  if (hosts === 0) return REJECT.noHost;
  if (hosts > 1) return REJECT.duplicateHost;
  if (!isValidHost(host!)) return REJECT.badHost;

  if (url.charCodeAt(0) !== 0x2f /* '/' */) {
    const problem = checkOtherTargetForm(req, url, host!);
    if (problem !== null) return problem;
  }

  if (te === undefined) return 'plain';
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing
  // (CL.TE desync through a downgrade); it MUST be treated as such and the connection closed.
  if (req.httpVersionMinor === 0) return REJECT.teOnHttp10;
  // llhttp accepts "gzip, chunked". The body is re-framed by undici and the coding
  // header is hop-by-hop, so the upstream would get gzip bytes it cannot know about:
  // only a lone "chunked" is forwarded (RFC 9112 §6.1 allows refusing the rest).
  if (!isLoneChunked(te)) return REJECT.badTransferEncoding;
  return 'chunked';
}

function checkOtherTargetForm(req: IncomingMessage, url: string, host: string): Rejection | null {
  // RFC 9112 §3.2.4: asterisk-form is only for a server-wide OPTIONS, which has no route to go to.
  if (url === '*') return REJECT.asterisk;
  // RFC 9112 §3.2.2: absolute-form. Anything else here (authority-form outside CONNECT) is invalid.
  const schemeEnd = absoluteFormSchemeEnd(url);
  if (schemeEnd === 0) return REJECT.targetForm;
  let end = schemeEnd;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23) break; // '/', '?', '#'
    end++;
  }
  const authority = url.slice(schemeEnd, end);
  // RFC 9110 §4.2.4: userinfo is deprecated and a classic way to confuse URL parsers.
  if (authority.includes('@')) return REJECT.userinfo;
  if (authority === '' || !sameAuthority(authority, host, schemeEnd === 7 ? ':80' : ':443')) return REJECT.authorityMismatch;
  const rest = url.slice(end);
  req.url = rest === '' || rest.charCodeAt(0) !== 0x2f ? `/${rest}` : rest;
  return null;
}

/** Length of "http://" or "https://" (any case) at the start, else 0. */
function absoluteFormSchemeEnd(url: string): number {
  const lower = url.slice(0, 8).toLowerCase();
  if (lower.startsWith('http://')) return 7;
  if (lower.startsWith('https://')) return 8;
  return 0;
}

function sameAuthority(authority: string, host: string, defaultPort: string): boolean {
  const a = authority.toLowerCase();
  const h = host.toLowerCase();
  if (a === h) return true;
  // "http://a:80/" and "Host: a" name the same origin (RFC 9110 §4.2.1 default port).
  return a === h + defaultPort || h === a + defaultPort;
}

/** RFC 9110 §7.2 / RFC 3986 §3.2.2: uri-host [ ":" port ]; reg-name characters or an IP literal. */
export function isValidHost(host: string): boolean {
  const n = host.length;
  if (n === 0 || n > 255 + 6) return false;
  let i = 0;
  if (host.charCodeAt(0) === 0x5b /* '[' */) {
    const close = host.indexOf(']');
    if (close < 2) return false;
    for (i = 1; i < close; i++) {
      const c = host.charCodeAt(i);
      if (!(isHex(c) || c === 0x3a || c === 0x2e)) return false; // ':' '.'
    }
    i = close + 1;
  } else {
    while (i < n && host.charCodeAt(i) !== 0x3a) {
      if (!REG_NAME[host.charCodeAt(i)]) return false;
      i++;
    }
    if (i === 0) return false;
  }
  if (i === n) return true;
  if (host.charCodeAt(i) !== 0x3a) return false;
  const digits = n - i - 1;
  if (digits < 1 || digits > 5) return false;
  for (i++; i < n; i++) {
    const c = host.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

// unreserved / pct-encoded / sub-delims (RFC 3986 §3.2.2); '@', '/', '\', space and controls are out.
const REG_NAME: boolean[] = (() => {
  const t = new Array<boolean>(128).fill(false);
  const allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=";
  for (const ch of allowed) t[ch.charCodeAt(0)] = true;
  return t;
})();

function isLoneChunked(value: string): boolean {
  const v = value.trim();
  return v.length === 7 && v.toLowerCase() === 'chunked';
}
