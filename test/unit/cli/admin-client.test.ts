import { describe, expect, it } from 'vitest';
import { listenToUrl } from '../../../src/cli/admin-client.js';
import { describeListenError } from '../../../src/net.js';

describe('listenToUrl', () => {
  it('reaches a wildcard listen address on loopback and keeps IPv6 in brackets', () => {
    expect(listenToUrl('0.0.0.0:9901')).toBe('http://127.0.0.1:9901');
    expect(listenToUrl('127.0.0.1:9901')).toBe('http://127.0.0.1:9901');
    expect(listenToUrl('[::]:9901')).toBe('http://[::1]:9901');
    expect(listenToUrl('[fd00::5]:9901')).toBe('http://[fd00::5]:9901');
    expect(listenToUrl('admin.internal:9901')).toBe('http://admin.internal:9901');
  });
});

describe('describeListenError', () => {
  it('says what to change for the failures a config can cause, and nothing for others', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), { code: 'EADDRINUSE' });
    expect(describeListenError(inUse, 'c.yaml')).toBe('cannot listen: listen EADDRINUSE: address already in use 127.0.0.1:8080 (another process holds the port); change listen or admin.listen in c.yaml');
    expect(describeListenError(Object.assign(new Error('x'), { code: 'EADDRNOTAVAIL' }), 'c.yaml')).toContain("not one of this host's");
    expect(describeListenError(Object.assign(new Error('x'), { code: 'EMFILE' }), 'c.yaml')).toBeNull();
    expect(describeListenError(new Error('no code'), 'c.yaml')).toBeNull();
  });
});
