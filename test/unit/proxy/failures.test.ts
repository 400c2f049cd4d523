import { describe, expect, it } from 'vitest';
import { classifyFailure, isIdempotent, STATUS_TEXT } from '../../../src/proxy/failures.js';

const err = (code: string): Error => Object.assign(new Error(code), { code });

// One test per row of the failure → status table in src/proxy/failures.ts.
describe('classifyFailure', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL'])('%s: refused → 502, connect, retryable anywhere', (code) => {
    expect(classifyFailure(err(code), false)).toEqual({ side: 'upstream', kind: 'connect', status: 502, beforeSend: true });
  });

  it('UND_ERR_CONNECT_TIMEOUT: connect timeout → 504, connect, retryable anywhere', () => {
    expect(classifyFailure(err('UND_ERR_CONNECT_TIMEOUT'), false)).toEqual({ side: 'upstream', kind: 'connect', status: 504, beforeSend: true });
  });

  it.each(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])('%s: upstream too slow → 504, timeout', (code) => {
    expect(classifyFailure(err(code), false)).toEqual({ side: 'upstream', kind: 'timeout', status: 504, beforeSend: false });
  });

  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'])('%s: reset → 502, reset', (code) => {
    expect(classifyFailure(err(code), false)).toEqual({ side: 'upstream', kind: 'reset', status: 502, beforeSend: false });
  });

  it.each([
    'HPE_INVALID_CONSTANT', 'HPE_INVALID_STATUS', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_INFO', 'UND_ERR_RES_EXCEEDED_MAX_SIZE',
    'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_INVALID_HEADER_VALUE',
  ])('%s: invalid upstream response → 502, protocol', (code) => {
    expect(classifyFailure(err(code), false)).toEqual({ side: 'upstream', kind: 'protocol', status: 502, beforeSend: false });
  });

  // Regression: undici's HTTPParserError carries no code for a response that is not HTTP at all,
  // so garbage from a canary fell to "internal" and never counted against it.
  it('HTTPParserError without a code: garbage instead of HTTP → 502, protocol', () => {
    const garbage = Object.assign(new Error('Response does not match the HTTP/1.1 protocol'), { name: 'HTTPParserError', code: undefined });
    expect(classifyFailure(garbage, false)).toEqual({ side: 'upstream', kind: 'protocol', status: 502, beforeSend: false });
  });

  it('ERR_HTTP_REQUEST_TIMEOUT: the client\'s body was too slow → 408, not counted', () => {
    expect(classifyFailure(err('ERR_HTTP_REQUEST_TIMEOUT'), false)).toEqual({ side: 'downstream', kind: null, status: 408, beforeSend: false });
  });

  it('CUTOVER_BODY_INCOMPLETE: the parser refused the request body → 400, the client\'s failure', () => {
    expect(classifyFailure(err('CUTOVER_BODY_INCOMPLETE'), false)).toEqual({ side: 'downstream', kind: null, status: 400, beforeSend: false });
  });

  it.each(['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'UND_ERR_ABORTED', 'ERR_STREAM_PREMATURE_CLOSE'])('%s: the client side failed → nothing written, not counted', (code) => {
    expect(classifyFailure(err(code), false)).toEqual({ side: 'downstream', kind: null, status: 0, beforeSend: false });
  });

  it.each(['UND_ERR_CLOSED', 'UND_ERR_DESTROYED'])('%s: the pool was retired under the request → 503, internal, retryable', (code) => {
    expect(classifyFailure(err(code), false)).toEqual({ side: 'internal', kind: null, status: 503, beforeSend: true });
  });

  it('an unknown error → 502, internal, not counted against the version', () => {
    expect(classifyFailure(new Error('?'), false)).toEqual({ side: 'internal', kind: null, status: 502, beforeSend: false });
    expect(classifyFailure(null, false)).toEqual({ side: 'internal', kind: null, status: 502, beforeSend: false });
  });

  it('client gone wins over any upstream error: nothing written, not the upstream\'s fault', () => {
    expect(classifyFailure(err('ECONNRESET'), true)).toEqual({ side: 'downstream', kind: null, status: 0, beforeSend: false });
  });
});

describe('STATUS_TEXT', () => {
  it.each([404, 502, 503, 504])('has a plain-text body for %d', (status) => {
    expect(STATUS_TEXT[status]).toBeTruthy();
  });
});

describe('isIdempotent (RFC 9110 §9.2.2)', () => {
  it.each(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])('%s is', (m) => expect(isIdempotent(m)).toBe(true));
  it.each(['POST', 'PATCH', 'CONNECT'])('%s is not', (m) => expect(isIdempotent(m)).toBe(false));
});
