import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCookieValue, StickyCookie, stickyCookieFor, stickyOnCanary } from '../../../src/routing/sticky.js';
import { seededRandom } from '../../../src/routing/traffic-split.js';

const settings = { cookie: 'cutover-shop', maxAge: 86_400_000, secret: 'a-secret-of-sixteen-plus' };

function valueOf(setCookie: string): string {
  return setCookie.slice(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
}

describe('StickyCookie', () => {
  const sticky = new StickyCookie(settings);

  it('reads back every bucket it signed, wherever the cookie sits in the header', () => {
    for (let b = 0; b < 100; b++) {
      const value = valueOf(sticky.setCookie(b, false));
      expect(sticky.bucketOf(`cutover-shop=${value}`)).toBe(b);
      expect(sticky.bucketOf(`a=1; cutover-shop=${value}; z=2`)).toBe(b);
      expect(sticky.bucketOf(`xcutover-shop=1;cutover-shop=${value}`)).toBe(b);
    }
  });

  it('treats a missing, malformed or tampered cookie as no cookie', () => {
    const value = valueOf(sticky.setCookie(42, false));
    const mac = value.slice(value.indexOf('.') + 1);
    expect(sticky.bucketOf(undefined)).toBe(-1);
    expect(sticky.bucketOf('other=1')).toBe(-1);
    expect(sticky.bucketOf('cutover-shop=')).toBe(-1);
    expect(sticky.bucketOf(`cutover-shop=7.${mac}`)).toBe(-1); // a chosen bucket with someone else's MAC
    expect(sticky.bucketOf(`cutover-shop=${value}x`)).toBe(-1);
    expect(sticky.bucketOf(`cutover-shop=${value.slice(0, -1)}`)).toBe(-1);
    expect(sticky.bucketOf(`cutover-shop=142.${mac}`)).toBe(-1);
    expect(sticky.bucketOf(`xcutover-shop=${value}`)).toBe(-1); // another cookie whose name ends like ours
  });

  it('a cookie signed with another key is not accepted', () => {
    const other = new StickyCookie({ ...settings, secret: 'another-secret-of-16+' });
    expect(sticky.bucketOf(`cutover-shop=${valueOf(other.setCookie(3, false))}`)).toBe(-1);
  });

  it('sets Path, Max-Age in seconds, HttpOnly, SameSite=Lax, and Secure only when asked', () => {
    const plain = sticky.setCookie(5, false);
    expect(plain).toMatch(/^cutover-shop=5\.[A-Za-z0-9_-]{22}; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
    expect(sticky.setCookie(5, true)).toBe(`${plain}; Secure`);
  });

  it('new buckets are uniform over 0–99', () => {
    const random = seededRandom(7);
    const counts = new Array<number>(100).fill(0);
    for (let i = 0; i < 20_000; i++) counts[sticky.newBucket(random)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(120);
    expect(Math.max(...counts)).toBeLessThan(290);
    expect(sticky.newBucket(() => 0.999999999)).toBe(99);
  });

  it('without a secret, one random key per process: the same across reloads, never a fixed one', () => {
    const a = stickyCookieFor({ cookie: 'c', maxAge: 1000 });
    const b = new StickyCookie({ cookie: 'c', maxAge: 1000 });
    expect(b.bucketOf(`c=${valueOf(a.setCookie(9, false))}`)).toBe(9);
    expect(new StickyCookie({ cookie: 'c', maxAge: 1000 }, 'a-fixed-key-0000').bucketOf(`c=${valueOf(a.setCookie(9, false))}`)).toBe(-1);
  });
});

describe('stickyOnCanary', () => {
  it('a client never leaves the canary while the weight rises, and all are on stable at 0', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 99 }), fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { maxLength: 20 }), (bucket, raw) => {
      const weights = [...raw].sort((a, b) => a - b);
      let onCanary = false;
      for (const w of weights) {
        const now = stickyOnCanary(bucket, w);
        if (onCanary && !now) return false;
        onCanary = now;
      }
      return !stickyOnCanary(bucket, 0) && stickyOnCanary(bucket, 100);
    }));
  });

  it('puts weight% of the buckets on canary', () => {
    for (const w of [0, 1, 5, 25, 50, 100]) {
      let n = 0;
      for (let b = 0; b < 100; b++) if (stickyOnCanary(b, w)) n++;
      expect(n).toBe(w);
    }
  });
});

describe('findCookieValue', () => {
  it('finds a value only at the start of a pair', () => {
    expect(findCookieValue('a=1; b=2', 'b')).toBe(7);
    expect(findCookieValue('ab=1; b=2', 'b')).toBe(8);
    expect(findCookieValue('ab=1', 'b')).toBe(-1);
    expect(findCookieValue('b', 'b')).toBe(-1);
  });
});
