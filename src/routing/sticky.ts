import { createHmac, randomBytes } from 'node:crypto';
import type { RouteConfig } from '../config/schema.js';
import type { RandomSource } from './traffic-split.js';

export const STICKY_BUCKETS = 100;
/** base64url characters of the HMAC kept in the cookie: 22 × 6 = 132 bits, far beyond guessing. */
const MAC_CHARS = 22;

// The key when the config names none: cookies then survive reloads but not restarts. Random per
// process unless the process is told one (the cluster primary's, or the fleet's from its store),
// or every worker and replica would reject the others' cookies and re-assign the client.
let processSecret: Buffer = randomBytes(32);

/** The key used when a route's sticky block has no secret. */
export function processStickySecret(): Buffer {
  return processSecret;
}

/** Shares one key across processes; call before route tables are built (cookies already compiled keep theirs). */
export function useProcessStickySecret(secret: Buffer): void {
  if (secret.length < 16) throw new Error('a sticky key needs at least 16 bytes');
  processSecret = secret;
  cache = new WeakMap();
}

export type StickySettings = NonNullable<RouteConfig['sticky']>;

/**
 * The sticky-version cookie of one route: `<bucket>.<mac>`, where the MAC is an
 * HMAC-SHA256 over the cookie name and the bucket, so a client cannot choose its
 * version by editing the cookie. The key is fixed for the route's lifetime, so
 * all 100 valid values and their Set-Cookie lines are computed once here and
 * the hot path only compares characters.
 */
export class StickyCookie {
  readonly name: string;
  private readonly values: string[] = [];
  private readonly plain: string[] = [];
  private readonly secure: string[] = [];

  constructor(settings: StickySettings, secret: string | Buffer = settings.secret ?? processSecret) {
    this.name = settings.cookie;
    const maxAgeS = Math.floor(settings.maxAge / 1000);
    for (let b = 0; b < STICKY_BUCKETS; b++) {
      const mac = createHmac('sha256', secret).update(`cutover-sticky:${settings.cookie}:${b}`).digest('base64url').slice(0, MAC_CHARS);
      const value = `${b}.${mac}`;
      this.values.push(value);
      // RFC 6265 §4.1: HttpOnly keeps scripts out; SameSite=Lax still sends it on top-level navigations.
      const base = `${settings.cookie}=${value}; Path=/; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax`;
      this.plain.push(base);
      this.secure.push(`${base}; Secure`);
    }
  }

  /** The bucket in a valid cookie, or -1 when the cookie is absent, malformed or tampered with. */
  bucketOf(cookieHeader: string | undefined): number {
    if (cookieHeader === undefined) return -1;
    const start = findCookieValue(cookieHeader, this.name);
    if (start < 0) return -1;
    let end = cookieHeader.indexOf(';', start);
    if (end < 0) end = cookieHeader.length;
    while (end > start && cookieHeader.charCodeAt(end - 1) === 32) end--;
    let bucket = 0;
    let i = start;
    for (; i < end && i < start + 3; i++) {
      const c = cookieHeader.charCodeAt(i);
      if (c < 48 || c > 57) break;
      bucket = bucket * 10 + (c - 48);
    }
    if (i === start || bucket >= STICKY_BUCKETS) return -1;
    const expected = this.values[bucket]!;
    if (end - start !== expected.length) return -1;
    // Constant time over the value, so response timing never reveals how much of a forged MAC matched.
    let diff = 0;
    for (let k = 0; k < expected.length; k++) diff |= cookieHeader.charCodeAt(start + k) ^ expected.charCodeAt(k);
    return diff === 0 ? bucket : -1;
  }

  /** A new client's bucket: uniform over 0–99. */
  newBucket(random: RandomSource): number {
    return Math.min(STICKY_BUCKETS - 1, Math.floor(random() * STICKY_BUCKETS));
  }

  /** The Set-Cookie line for a bucket; `secure` when the client reached us over TLS. */
  setCookie(bucket: number, secure: boolean): string {
    return (secure ? this.secure : this.plain)[bucket]!;
  }
}

/** Ramp-up only ever moves clients from stable to canary: bucket b is on canary for every weight above b. */
export function stickyOnCanary(bucket: number, weightPercent: number): boolean {
  return bucket < weightPercent;
}

let cache = new WeakMap<StickySettings, StickyCookie>();

/** The compiled cookie for a route's (immutable, per reload) sticky settings. */
export function stickyCookieFor(settings: StickySettings): StickyCookie {
  let cookie = cache.get(settings);
  if (cookie === undefined) {
    cookie = new StickyCookie(settings);
    cache.set(settings, cookie);
  }
  return cookie;
}

/** Index of the value of cookie `name` in a Cookie header (RFC 6265 §5.4 pairs joined by "; "), or -1. */
export function findCookieValue(header: string, name: string): number {
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at < 0) return -1;
    const after = at + name.length;
    if (header.charCodeAt(after) === 61 /* = */ && atPairStart(header, at)) return after + 1;
    from = at + 1;
  }
}

function atPairStart(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && header.charCodeAt(i) === 32) i--;
  return i < 0 || header.charCodeAt(i) === 59 /* ; */;
}
