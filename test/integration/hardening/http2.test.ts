import { connect } from 'node:http2';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { TEST_LIMITS } from './table.js';
import { ERROR, FLAG, frame, rawH2, requestBlock, TYPE, type RawH2 } from './h2-frames.js';

// HTTP/2 abuse, each with: the process survives, memory stays bounded, a fresh connection is served.
// The limits live in src/proxy/listener.ts and DEFAULT_HTTP2; the table is in docs/security.md.

const MEMORY_BOUND_BYTES = 128 * 1024 * 1024;

async function h2Proxy(handler?: Parameters<typeof startUpstream>[1]) {
  const up = await startUpstream('up', handler);
  const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: TEST_LIMITS }));
  return { up, cut, port: cut.app.dataAddress.port, rssBefore: process.memoryUsage().rss };
}

async function expectFreshConnectionServed(port: number): Promise<void> {
  const s = connect(`http://127.0.0.1:${port}`);
  onTestFinished(() => s.destroy());
  const req = s.request({ ':path': '/still-ok' });
  const [headers] = await once(req, 'response') as [Record<string, unknown>];
  req.resume();
  await once(req, 'end');
  s.close();
  expect(headers[':status']).toBe(200);
}

function expectMemoryBounded(rssBefore: number): void {
  expect(process.memoryUsage().rss - rssBefore).toBeLessThan(MEMORY_BOUND_BYTES);
}

/** Writes frames in batches, stopping early once the server has closed the connection; bounded by count. */
async function flood(c: RawH2, count: number, make: (i: number) => Buffer): Promise<number> {
  let sent = 0;
  let closed = false;
  void c.ended.then(() => (closed = true));
  while (sent < count && !closed) {
    const batch: Buffer[] = [];
    for (let j = 0; j < 100 && sent < count; j++, sent++) batch.push(make(sent));
    if (!c.write(Buffer.concat(batch))) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.ended]);
  }
  return sent;
}

const refused = (c: RawH2) => c.received.filter((f) => f.type === TYPE.RST_STREAM);
const answered = (c: RawH2) => c.received.filter((f) => f.type === TYPE.HEADERS);

describe('hardening: HTTP/2', () => {
  it('rapid reset (CVE-2023-44487): HEADERS then RST_STREAM in a loop ends the session; few requests reach the upstream', async () => {
    const p = await h2Proxy();
    const c = await rawH2(p.port);
    await flood(c, 20_000, (i) => Buffer.concat([frame(TYPE.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 2 * i + 1, requestBlock()), frame(TYPE.RST_STREAM, 0, 2 * i + 1, Buffer.from([0, 0, 0, ERROR.CANCEL]))]));
    // GOAWAY or a close: nghttp2 ended the session (a test that never sees either times out).
    await c.ended;
    // nghttp2's reset-rate limit ends the session: at most the first streams are forwarded.
    expect(p.up.seen.length).toBeLessThanOrEqual(128);
    expectMemoryBounded(p.rssBefore);
    await expectFreshConnectionServed(p.port);
  // Under a load average of 20 on the shared 2-core machine this test once waited past 30 s for the
  // session to end (1 run in 3 full suites; root cause not found, see the report for issue 11).
  }, 60_000);

  it('CONTINUATION flood (CVE-2024-27316): a header block that never ends is cut off', async () => {
    const p = await h2Proxy();
    const c = await rawH2(p.port);
    c.write(frame(TYPE.HEADERS, 0, 1, requestBlock()));
    const sent = await flood(c, 50_000, () => frame(TYPE.CONTINUATION, 0, 1, requestBlock([['x-pad', 'a'.repeat(100)]]).subarray(3)));
    await c.ended;
    // Ended while the flood was still being written (nghttp2 caps the header block's memory).
    expect(sent).toBeLessThan(50_000);
    expect(p.up.seen).toHaveLength(0);
    expectMemoryBounded(p.rssBefore);
    await expectFreshConnectionServed(p.port);
  });

  it('streams beyond the concurrency limit are refused (REFUSED_STREAM), the others served', async () => {
    const held: (() => void)[] = [];
    let release = false;
    const p = await h2Proxy((req, res) => {
      req.resume();
      if (release) res.end('ok');
      else held.push(() => res.end('ok'));
    });
    const c = await rawH2(p.port);
    const frames: Buffer[] = [];
    for (let i = 0; i < 200; i++) frames.push(frame(TYPE.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 2 * i + 1, requestBlock()));
    c.write(Buffer.concat(frames));
    const deadline = Date.now() + 5_000;
    // Polled: no event says "the upstream now holds all 128" or "72 resets arrived".
    while ((held.length < 128 || refused(c).length < 72) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(held).toHaveLength(128);
    expect(refused(c)).toHaveLength(72);
    expect(refused(c).every((f) => f.code === ERROR.REFUSED_STREAM && f.streamId > 2 * 128)).toBe(true);
    release = true;
    for (const h of held) h();
    // The 128 admitted streams are answered.
    while (answered(c).length < 128 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(answered(c)).toHaveLength(128);
    expectMemoryBounded(p.rssBefore);
    await expectFreshConnectionServed(p.port);
  });

  it('a header block beyond limits.maxHeaderSize is refused before the upstream sees it', async () => {
    const p = await h2Proxy();
    const c = await rawH2(p.port);
    c.write(frame(TYPE.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, requestBlock([['x-big', 'a'.repeat(12_000)]])));
    const deadline = Date.now() + 3_000;
    while (!c.received.some((f) => (f.type === TYPE.RST_STREAM || f.type === TYPE.HEADERS || f.type === TYPE.GOAWAY) && f.streamId <= 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Answered (431, from src/proxy/http2-guard.ts) rather than reset: the stream got HEADERS back.
    expect(c.received.some((f) => f.type === TYPE.HEADERS && f.streamId === 1)).toBe(true);
    expect(p.up.seen).toHaveLength(0);
    await expectFreshConnectionServed(p.port);
  });

  it('a slow reader holding the flow-control windows is bounded and cut off after requestTimeout', async () => {
    // 50 streams of 4 MB: 200 MB asked for, more than MEMORY_BOUND_BYTES, so buffering them would fail the bound.
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const p = await h2Proxy((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
      res.end(big);
    });
    const c = await rawH2(p.port);
    // SETTINGS_INITIAL_WINDOW_SIZE (0x4) = 0: the proxy may send no DATA at all, and no WINDOW_UPDATE ever comes.
    c.write(frame(TYPE.SETTINGS, 0, 0, Buffer.from([0, 4, 0, 0, 0, 0])));
    const frames: Buffer[] = [];
    for (let i = 0; i < 50; i++) frames.push(frame(TYPE.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 2 * i + 1, requestBlock()));
    c.write(Buffer.concat(frames));
    // The session's idle timeout (limits.requestTimeout, 1.5 s here) ends it.
    await c.closed;
    expect(p.up.seen.length).toBe(50);
    expectMemoryBounded(p.rssBefore);
    const pool = p.cut.app.pools.get(p.up.url)!;
    const deadline = Date.now() + 5_000;
    while (pool.stats.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pool.stats.running).toBe(0);
    await expectFreshConnectionServed(p.port);
  });

  it('SETTINGS and PING floods close the flooding connection', async () => {
    const p = await h2Proxy();
    for (const [name, make] of [
      ['settings', () => frame(TYPE.SETTINGS, 0, 0, Buffer.from([0, 3, 0, 0, 0, 100]))],
      ['ping', () => frame(TYPE.PING, 0, 0, Buffer.alloc(8))],
    ] as const) {
      const c = await rawH2(p.port, { read: false });
      const sent = await flood(c, 100_000, make);
      // Read again: the GOAWAY and the close are what the flood earned.
      c.socket.resume();
      // The assertion is the close itself: a connection left open would time the test out.
      await c.closed;
      expect(sent, `${name}: the flood was written`).toBeGreaterThan(1_000);
    }
    expectMemoryBounded(p.rssBefore);
    await expectFreshConnectionServed(p.port);
  });
});
