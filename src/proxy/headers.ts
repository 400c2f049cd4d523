// Header hygiene for both directions, each in one pass over the raw header list.

// RFC 9110 §7.6.1: hop-by-hop fields, plus the de-facto ones, are never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const HOP_BY_HOP_LENGTH = (() => {
  const t = new Uint8Array(32);
  for (const name of HOP_BY_HOP) t[name.length] = 1;
  return t;
})();

export type UnderscorePolicy = 'drop' | 'reject' | 'allow';

/** What the request pass learned besides the forwarded list. */
export interface RequestHeaderFacts {
  headers: string[];
  host: string | undefined;
  /** The request has a body: a Content-Length above zero or a Transfer-Encoding. */
  hasBody: boolean;
  /** An underscore header was seen while the policy is 'reject'. */
  rejectedHeader: string | null;
  overrideValue: string | undefined;
  cookie: string | undefined;
  /** `TE: trailers` was sent (gRPC sends it to detect proxies that drop trailers; RFC 9113 §8.2.2). */
  teTrailers: boolean;
}

/**
 * Builds the upstream header list from the client's raw headers.
 * Forwarding headers are set after filtering, so a client cannot name them in
 * `Connection` to strip what the proxy adds.
 */
export function upstreamRequestHeaders(
  raw: readonly string[],
  peer: string,
  proto: string,
  underscore: UnderscorePolicy,
  trustForwarded: boolean,
  overrideHeader: string | null,
): RequestHeaderFacts {
  const out: string[] = [];
  let connection: string | undefined;
  let xff: string | undefined;
  let host: string | undefined;
  let hasBody = false;
  let rejectedHeader: string | null = null;
  let overrideValue: string | undefined;
  let cookie: string | undefined;
  let clientProto: string | undefined;
  let clientHost: string | undefined;
  let authority: string | undefined;
  let teTrailers = false;

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    // HTTP/2 pseudo-headers (only Node's HTTP/2 layer yields them; llhttp refuses ':' in a name).
    if (name.charCodeAt(0) === 0x3a) {
      if (name === ':authority') authority = value;
      continue;
    }
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
      else if (lower === 'transfer-encoding') hasBody = true;
      else if (lower === 'te' && value.trim().toLowerCase() === 'trailers') teTrailers = true;
      continue;
    }
    switch (lower) {
      case 'host':
        host = value;
        break;
      case 'content-length':
        if (value !== '0') hasBody = true;
        break;
      case 'x-forwarded-for':
        xff = xff === undefined ? value : `${xff}, ${value}`;
        continue;
      case 'x-forwarded-proto':
        if (trustForwarded) clientProto = value;
        continue;
      case 'x-forwarded-host':
        if (trustForwarded) clientHost = value;
        continue;
      case 'forwarded':
        // Rewritten by the proxy rather than passed on from an untrusted client.
        if (!trustForwarded) continue;
        break;
      case 'expect':
        // The proxy answers 100-continue itself; the upstream sees a plain request.
        continue;
      case 'cookie':
        cookie = cookie === undefined ? value : `${cookie}; ${value}`;
        break;
    }
    if (lower === overrideHeader) {
      overrideValue = value;
      continue;
    }
    if (underscore !== 'allow' && lower.includes('_')) {
      // nginx's underscores_in_headers: "x_user" and "x-user" may be the same header to an app.
      if (underscore === 'reject') rejectedHeader = name;
      continue;
    }
    out.push(name, value);
  }

  // RFC 9113 §8.3.1: :authority stands for Host; an HTTP/1.1 upstream needs it as Host.
  if (host === undefined && authority !== undefined) {
    host = authority;
    out.push('host', authority);
  }
  const headers = connection !== undefined ? withoutConnectionTokens(out, connection) : out;
  headers.push('x-forwarded-for', xff === undefined ? peer : `${xff}, ${peer}`);
  headers.push('x-forwarded-proto', clientProto ?? proto);
  const fwdHost = clientHost ?? host;
  if (fwdHost !== undefined) headers.push('x-forwarded-host', fwdHost);
  return { headers, host, hasBody, rejectedHeader, overrideValue, cookie, teTrailers };
}

/** RFC 9110 §7.6.1: every field named in Connection is hop-by-hop too. */
function withoutConnectionTokens(headers: string[], connection: string): string[] {
  // Nearly every keep-alive peer sends just one of these; they name no field to strip, so skip the split.
  if (isKeepAliveOrClose(connection)) return headers;
  const tokens = new Set<string>();
  for (const t of connection.split(',')) {
    const token = t.trim().toLowerCase();
    if (token && token !== 'close' && token !== 'keep-alive') tokens.add(token);
  }
  if (tokens.size === 0) return headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!tokens.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

function isKeepAliveOrClose(value: string): boolean {
  const v = value.length === 10 || value.length === 5 ? value.toLowerCase() : '';
  return v === 'keep-alive' || v === 'close';
}

/** Converts undici's raw response headers to the flat list res.writeHead takes, minus hop-by-hop fields. */
export function downstreamResponseHeaders(raw: readonly Buffer[] | readonly string[]): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    // Most response fields (Date, Content-Type, Content-Length, ...) are not as long as any
    // hop-by-hop name: skip the lower-casing and the set lookup for them.
    if (HOP_BY_HOP_LENGTH[name.length] === 1) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection') connection = raw[i + 1]!.toString('latin1');
        continue;
      }
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  return connection !== undefined ? withoutConnectionTokens(out, connection) : out;
}

/** Trailers as the object res.addTrailers takes. undici's HTTP/1.1 client gives a flat list, its HTTP/2 client an object. */
export function trailerObject(raw: readonly Buffer[] | readonly string[] | Record<string, string | string[] | undefined>): Record<string, string> | null {
  if (!Array.isArray(raw)) {
    let out: Record<string, string> | null = null;
    for (const [name, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      (out ??= {})[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
  }
  if (raw.length === 0) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) out[raw[i]!.toString('latin1')] = raw[i + 1]!.toString('latin1');
  return out;
}
