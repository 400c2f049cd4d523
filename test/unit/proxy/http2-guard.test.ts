import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { nameMatches } from '../../../src/proxy/certificates.js';
import { grpcStatusFor } from '../../../src/proxy/grpc.js';
import { authorityOf, guardHttp2Request, REJECT_H2 } from '../../../src/proxy/http2-guard.js';
import { REJECT } from '../../../src/proxy/request-guard.js';

const limits = configSchema.parse({ routes: [{ name: 'r', stable: { endpoints: ['http://127.0.0.1:1'] } }], limits: { maxHeaderSize: '1kb' } }).limits;
const req = (raw: string[], method = 'GET', url = '/'): IncomingMessage => ({ rawHeaders: raw, method, url }) as unknown as IncomingMessage;
const PSEUDO = [':method', 'GET', ':path', '/', ':scheme', 'http'];

describe('guardHttp2Request', () => {
  it.each([
    ['an :authority', [...PSEUDO, ':authority', 'shop.test'], 'plain'],
    ['only a Host', [...PSEUDO, 'host', 'shop.test'], 'plain'],
    ['neither', PSEUDO, REJECT.noHost],
    [':authority and Host that disagree', [...PSEUDO, ':authority', 'a.test', 'host', 'b.test'], REJECT_H2.authorityMismatch],
    ['two Host fields', [...PSEUDO, 'host', 'a.test', 'host', 'a.test'], REJECT.duplicateHost],
    ['an invalid authority', [...PSEUDO, ':authority', 'a b'], REJECT.badHost],
    ['a header block over maxHeaderSize', [...PSEUDO, ':authority', 'a.test', 'x-big', 'a'.repeat(1024)], REJECT_H2.tooLarge],
  ] as const)('%s', (_name, raw, want) => {
    expect(guardHttp2Request(req([...raw]), limits)).toBe(want);
  });

  it('refuses CONNECT (and with it RFC 8441 WebSockets) and non-origin-form targets', () => {
    expect(guardHttp2Request(req([':authority', 'a.test'], 'CONNECT'), limits)).toBe(REJECT_H2.connect);
    expect(guardHttp2Request(req([':authority', 'a.test'], 'OPTIONS', '*'), limits)).toBe(REJECT.asterisk);
  });

  it('authorityOf prefers :authority and accepts an equal Host in any case', () => {
    expect(authorityOf([':authority', 'Shop.test', 'host', 'shop.TEST'])).toBe('Shop.test');
  });
});

describe('certificate names and gRPC statuses', () => {
  it('a wildcard matches exactly one label (RFC 6125 §6.4.3)', () => {
    expect(nameMatches('*.api.test', 'eu.api.test')).toBe(true);
    expect(nameMatches('*.api.test', 'a.eu.api.test')).toBe(false);
    expect(nameMatches('*.api.test', 'api.test')).toBe(false);
    expect(nameMatches('shop.test', 'shop.test')).toBe(true);
  });

  it('the proxy\'s HTTP answers map to gRPC statuses as grpc/doc/http-grpc-status-mapping.md does', () => {
    expect([502, 503, 504, 408, 404, 413, 431, 400].map(grpcStatusFor)).toEqual([14, 14, 4, 4, 12, 8, 8, 13]);
  });
});
