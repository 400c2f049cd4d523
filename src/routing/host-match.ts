/**
 * A compiled host pattern: exact (`shop.example.com`) or wildcard (`*.example.com`,
 * which matches `a.example.com` and `a.b.example.com` but not `example.com`).
 * Matching is case-insensitive and ignores the port of the Host header.
 */
export type HostMatcher = (host: string) => boolean;

export function compileHostMatcher(pattern: string | undefined): HostMatcher | null {
  if (pattern === undefined) return null;
  const lower = pattern.toLowerCase();
  const withPort = lower.includes(':');
  if (lower.startsWith('*.')) {
    const suffix = lower.slice(1);
    return (host) => normalise(host, withPort).endsWith(suffix);
  }
  return (host) => normalise(host, withPort) === lower;
}

function normalise(host: string, keepPort: boolean): string {
  let h = host;
  if (!keepPort) {
    // IPv6 literals carry colons inside brackets; only strip a port after the last bracket.
    const colon = h.lastIndexOf(':');
    if (colon !== -1 && colon > h.lastIndexOf(']')) h = h.slice(0, colon);
  }
  // Host is case-insensitive (RFC 9110 §4.2.3); most clients already send lower case, so avoid the copy then.
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c >= 65 && c <= 90) return h.toLowerCase();
  }
  return h;
}
