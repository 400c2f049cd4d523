import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, trailerObject, upstreamRequestHeaders } from '../../../src/proxy/headers.js';

const PEER = '203.0.113.9';

function forward(raw: string[], options: { trust?: boolean; underscore?: 'drop' | 'reject' | 'allow'; override?: string | null; proto?: string } = {}) {
  return upstreamRequestHeaders(raw, PEER, options.proto ?? 'http', options.underscore ?? 'drop', options.trust ?? false, options.override ?? null);
}

/** Values of a header in a flat [name, value, ...] list, case-insensitive, in order. */
function values(list: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) if (list[i]!.toLowerCase() === name) out.push(list[i + 1]!);
  return out;
}

function names(list: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) out.push(list[i]!.toLowerCase());
  return out;
}

describe('upstreamRequestHeaders: RFC 9110 §7.6.1 hop-by-hop', () => {
  it.each(['Connection', 'Keep-Alive', 'Proxy-Connection', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade'])('%s is not forwarded', (name) => {
    const { headers } = forward(['Host', 'a.test', name, 'x', 'Accept', '*/*']);
    expect(values(headers, name.toLowerCase())).toEqual([]);
    expect(values(headers, 'accept')).toEqual(['*/*']);
  });

  it('every header named in Connection is dropped too, across repeated Connection headers', () => {
    const { headers } = forward(['Host', 'a.test', 'Connection', 'X-Secret, close', 'connection', 'x-other', 'X-Secret', 's', 'X-Other', 'o', 'X-Kept', 'k']);
    expect(names(headers)).not.toContain('x-secret');
    expect(names(headers)).not.toContain('x-other');
    expect(values(headers, 'x-kept')).toEqual(['k']);
  });

  it('a client cannot name X-Forwarded-For in Connection to strip what the proxy adds', () => {
    const { headers } = forward(['Host', 'a.test', 'Connection', 'x-forwarded-for, x-forwarded-proto, x-forwarded-host']);
    expect(values(headers, 'x-forwarded-for')).toEqual([PEER]);
    expect(values(headers, 'x-forwarded-proto')).toEqual(['http']);
    expect(values(headers, 'x-forwarded-host')).toEqual(['a.test']);
  });

  it('Expect is answered by the proxy, not forwarded', () => {
    expect(names(forward(['Host', 'a.test', 'Expect', '100-continue']).headers)).not.toContain('expect');
  });
});

describe('upstreamRequestHeaders: forwarding headers', () => {
  it('appends the peer to X-Forwarded-For, joining repeated ones in order', () => {
    const { headers } = forward(['Host', 'a.test', 'X-Forwarded-For', '198.51.100.1', 'X-Forwarded-For', '198.51.100.2, 198.51.100.3']);
    expect(values(headers, 'x-forwarded-for')).toEqual([`198.51.100.1, 198.51.100.2, 198.51.100.3, ${PEER}`]);
  });

  it('sets X-Forwarded-For to the peer when there is none', () => {
    expect(values(forward(['Host', 'a.test']).headers, 'x-forwarded-for')).toEqual([PEER]);
  });

  it('sets X-Forwarded-Proto and X-Forwarded-Host, replacing what an untrusted client sent', () => {
    const { headers } = forward(['Host', 'shop.test:8080', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'evil.test', 'Forwarded', 'for=1.2.3.4']);
    expect(values(headers, 'x-forwarded-proto')).toEqual(['http']);
    expect(values(headers, 'x-forwarded-host')).toEqual(['shop.test:8080']);
    expect(values(headers, 'forwarded')).toEqual([]);
  });

  it('keeps X-Forwarded-Proto/Host and Forwarded from a trusted proxy', () => {
    const { headers } = forward(['Host', 'internal:8080', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'shop.test', 'Forwarded', 'for=1.2.3.4'], { trust: true });
    expect(values(headers, 'x-forwarded-proto')).toEqual(['https']);
    expect(values(headers, 'x-forwarded-host')).toEqual(['shop.test']);
    expect(values(headers, 'forwarded')).toEqual(['for=1.2.3.4']);
  });

  it('the Host header itself is forwarded unchanged', () => {
    expect(values(forward(['Host', 'shop.test:8080']).headers, 'host')).toEqual(['shop.test:8080']);
  });
});

describe('upstreamRequestHeaders: everything else', () => {
  it('preserves repeated end-to-end headers, in order and with their case', () => {
    const { headers } = forward(['Host', 'a.test', 'X-Multi', '1', 'Accept', 'text/html', 'x-multi', '2']);
    expect(headers.slice(0, 8)).toEqual(['Host', 'a.test', 'X-Multi', '1', 'Accept', 'text/html', 'x-multi', '2']);
  });

  it('collects cookies and reports a body', () => {
    const facts = forward(['Host', 'a.test', 'Cookie', 'a=1', 'Cookie', 'b=2', 'Content-Length', '5']);
    expect(facts.cookie).toBe('a=1; b=2');
    expect(facts.hasBody).toBe(true);
    expect(facts.host).toBe('a.test');
  });

  it.each([
    [['Content-Length', '0'], false],
    [['Transfer-Encoding', 'chunked'], true],
    [[], false],
  ])('hasBody for %j is %s', (extra, hasBody) => {
    expect(forward(['Host', 'a.test', ...extra]).hasBody).toBe(hasBody);
  });

  it('takes the override header out of the forwarded list', () => {
    const facts = forward(['Host', 'a.test', 'X-Cutover-Version', 'canary'], { override: 'x-cutover-version' });
    expect(facts.overrideValue).toBe('canary');
    expect(names(facts.headers)).not.toContain('x-cutover-version');
  });

  it.each([
    ['drop', false, null],
    ['reject', false, 'X_User'],
    ['allow', true, null],
  ] as const)('underscore policy %s', (policy, forwarded, rejected) => {
    const facts = forward(['Host', 'a.test', 'X_User', 'admin'], { underscore: policy });
    expect(names(facts.headers).includes('x_user')).toBe(forwarded);
    expect(facts.rejectedHeader).toBe(rejected);
  });
});

describe('downstreamResponseHeaders', () => {
  const raw = (...l: string[]): Buffer[] => l.map((s) => Buffer.from(s, 'latin1'));

  it('keeps every set-cookie and repeated header', () => {
    const out = downstreamResponseHeaders(raw('Set-Cookie', 'a=1', 'Content-Type', 'text/plain', 'Set-Cookie', 'b=2; Path=/', 'Vary', 'Accept', 'Vary', 'Origin'));
    expect(values(out, 'set-cookie')).toEqual(['a=1', 'b=2; Path=/']);
    expect(values(out, 'vary')).toEqual(['Accept', 'Origin']);
  });

  it('drops hop-by-hop fields and those named in Connection', () => {
    const out = downstreamResponseHeaders(raw('Connection', 'keep-alive, X-Internal', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'X-Internal', 'secret', 'Content-Type', 'text/plain', 'Trailer', 'X-Checksum'));
    expect(names(out)).toEqual(['content-type']);
  });

  it('keeps latin1 bytes intact', () => {
    expect(values(downstreamResponseHeaders(raw('X-Name', 'caf\u00e9')), 'x-name')).toEqual(['caf\u00e9']);
  });
});

describe('trailerObject', () => {
  it('is null for no trailers and an object otherwise', () => {
    expect(trailerObject([])).toBeNull();
    expect(trailerObject(['X-Checksum', 'abc'])).toEqual({ 'X-Checksum': 'abc' });
  });
});
