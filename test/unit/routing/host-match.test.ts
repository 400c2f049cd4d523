import { describe, expect, it } from 'vitest';
import { compileHostMatcher } from '../../../src/routing/host-match.js';

describe('compileHostMatcher', () => {
  it('no pattern means no host condition', () => {
    expect(compileHostMatcher(undefined)).toBeNull();
  });

  describe('exact', () => {
    const m = compileHostMatcher('shop.example.com')!;
    it.each(['shop.example.com', 'shop.example.com:8080', 'SHOP.Example.COM', 'Shop.example.com:443'])('matches %s', (host) => {
      expect(m(host)).toBe(true);
    });
    it.each(['example.com', 'a.shop.example.com', 'shop.example.co', 'shop.example.com.evil', 'xshop.example.com'])('does not match %s', (host) => {
      expect(m(host)).toBe(false);
    });
  });

  describe('*.suffix', () => {
    const m = compileHostMatcher('*.Example.com')!;
    it.each(['a.example.com', 'a.b.example.com', 'A.EXAMPLE.COM:8443'])('matches %s', (host) => {
      expect(m(host)).toBe(true);
    });
    it.each(['example.com', 'evilexample.com', 'example.com.evil', 'a.example.org'])('does not match %s', (host) => {
      expect(m(host)).toBe(false);
    });
  });

  describe('with a port in the pattern, the port must match too', () => {
    const exact = compileHostMatcher('shop.example.com:8080')!;
    const wild = compileHostMatcher('*.example.com:8080')!;
    it('exact', () => {
      expect(exact('shop.example.com:8080')).toBe(true);
      expect(exact('SHOP.example.com:8080')).toBe(true);
      expect(exact('shop.example.com:9090')).toBe(false);
      expect(exact('shop.example.com')).toBe(false);
    });
    it('wildcard', () => {
      expect(wild('a.example.com:8080')).toBe(true);
      expect(wild('a.example.com:9090')).toBe(false);
      expect(wild('a.example.com')).toBe(false);
    });
  });

  it('an IP literal pattern ignores the Host port', () => {
    const m = compileHostMatcher('127.0.0.1')!;
    expect(m('127.0.0.1:8080')).toBe(true);
    expect(m('127.0.0.10')).toBe(false);
  });
});
