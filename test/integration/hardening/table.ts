import { expect } from 'vitest';
import { startCutover, testConfig, type TestCutover } from '../../helpers/servers.js';
import { rawRequest, startRawUpstream, type RawResult, type RawUpstream } from './raw-http.js';

/** Short limits so every timeout and size row runs in well under a second or two. */
export const TEST_LIMITS = {
  maxBodySize: '1kb',
  headersTimeout: '500ms',
  requestTimeout: '1500ms',
  keepAliveTimeout: '500ms',
  maxHeaders: 20,
  maxHeaderSize: '8kb',
  maxUriLength: '1kb',
};

export interface Proxy {
  cut: TestCutover;
  up: RawUpstream;
  port: number;
}

/** A cutover in front of a raw upstream that answers each request with its target as the body. */
export async function startProxy(extra: Record<string, unknown> = {}, limits: Record<string, unknown> = {}): Promise<Proxy> {
  const up = await startRawUpstream((socket, request) => {
    const target = request.start.split(' ')[1] ?? '';
    socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(target)}\r\n\r\n${target}`);
  });
  const cut = await startCutover(testConfig([{ name: 'web', stable: [up.url], upstream: { warm: 0 } }], { limits: { ...TEST_LIMITS, ...limits }, ...extra }));
  return { cut, up, port: cut.app.dataAddress.port };
}

/** One row of the table: what the client sends and what must happen on both sides. */
export interface Row {
  name: string;
  send: string;
  status: number;
  /** The proxy must close the connection after answering (framing can no longer be trusted). */
  close?: boolean;
  /** What the upstream must have received: 'nothing', or a check of the one request it got. */
  upstream: 'nothing' | ((p: Proxy) => void);
  limits?: Record<string, unknown>;
  /** Top-level config for this row, e.g. { http2: false }. */
  config?: Record<string, unknown>;
}

export async function runRow(row: Row): Promise<RawResult> {
  const p = await startProxy(row.config ?? {}, row.limits);
  const res = await rawRequest(p.port, row.send, { waitClose: row.close ?? false, timeoutMs: 5_000 });
  expect(res.responses[0]?.status, `${row.name}: got ${JSON.stringify(res.text.slice(0, 200))}`).toBe(row.status);
  if (row.close) expect(res.closed, `${row.name}: connection must be closed`).toBe(true);
  // Nothing a client does may leak a stack trace.
  expect(res.text).not.toMatch(/\bat .+\.(?:js|ts):\d+/);
  if (row.upstream === 'nothing') expect(p.up.requests(), `${row.name}: upstream must receive nothing`).toHaveLength(0);
  else row.upstream(p);
  await expectStillServing(p);
  return res;
}

/** After any row, a normal request on a fresh connection is served. */
export async function expectStillServing(p: Proxy): Promise<void> {
  const before = p.up.requests().length;
  const ok = await rawRequest(p.port, 'GET /still-ok HTTP/1.1\r\nHost: example.test\r\n\r\n');
  expect(ok.responses[0]?.status).toBe(200);
  expect(ok.responses[0]?.body.toString()).toBe('/still-ok');
  expect(p.up.requests().length).toBe(before + 1);
}
