import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { clientRequests, startCutover, startUpstream, testConfig, type TestUpstream } from '../../helpers/servers.js';
import { FAST_ROLLOUT, getRoute, privateStateFile, type RouteJson } from './load.js';

interface ShadowJson {
  active: boolean;
  verdict: null | { outcome: string; reason: string; pairs: number; matches: number; mismatches: number; errors: number; dropped: number };
  mismatches: { method: string; path: string; part: string; diff: string }[];
}
type Route = RouteJson & { rollout: (RouteJson['rollout'] & { shadow: ShadowJson | null }) | null };

/**
 * A JSON service: /items/N answers {"id", "price", "generatedAt"} after a delay that depends on N
 * only, so stable and canary are equally fast on the same request. `change` rewrites the answer.
 */
function startItems(name: string, change?: (id: number, body: Record<string, unknown>, res: ServerResponse) => Record<string, unknown>): Promise<TestUpstream> {
  return startUpstream(name, (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const id = Number(/\/items\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    const timer = setTimeout(() => {
      let body: Record<string, unknown> = { id, price: 10 + (id % 7), generatedAt: new Date().toISOString() };
      if (change) body = change(id, body, res);
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name, 'x-request-id': `${name}-${id}` });
      res.end(JSON.stringify(body));
    }, 2 + (id * 7919) % 12);
    res.on('close', () => clearTimeout(timer));
  });
}

/** `wrong`: answers that were not stable's, with the wall-clock time their request was sent. */
interface ClientLog { sent: number; wrong: { sentAt: number; what: string }[] }

/** Bounded load over distinct paths; every answer must be stable's (x-upstream: v1, the stable body). */
async function driveItems(dataUrl: string, options: { until: () => Promise<boolean>; maxRequests: number; deadlineMs: number; concurrency?: number }): Promise<ClientLog> {
  const agent = new Agent({ connections: options.concurrency ?? 8 });
  onTestFinished(() => agent.close());
  const log: ClientLog = { sent: 0, wrong: [] };
  const deadline = Date.now() + options.deadlineMs;
  let done = false;
  const worker = async (): Promise<void> => {
    while (!done && log.sent < options.maxRequests && Date.now() < deadline) {
      const id = log.sent++;
      const sentAt = Date.now();
      const res = await request(`${dataUrl}/items/${id}?token=secret`, { dispatcher: agent, headers: { authorization: 'Bearer hunter2' } });
      const body = await res.body.text();
      const parsed = JSON.parse(body) as { id: number; price: number };
      if (res.statusCode !== 200 || res.headers['x-upstream'] !== 'v1' || parsed.id !== id || parsed.price !== 10 + (id % 7)) log.wrong.push({ sentAt, what: `${id}: ${res.statusCode} ${String(res.headers['x-upstream'])} ${body}` });
    }
  };
  const watcher = async (): Promise<void> => {
    while (!done && log.sent < options.maxRequests && Date.now() < deadline) {
      if (await options.until()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    done = true;
  };
  await Promise.all([watcher(), ...Array.from({ length: options.concurrency ?? 8 }, worker)]);
  return log;
}

const SHADOW = { share: '100%', mismatchTolerance: '5%', ignore: { headers: ['x-upstream', 'x-request-id'], jsonPaths: ['$.generatedAt'] }, timeout: '1s' };

async function shadowCutover(stable: TestUpstream, canary: TestUpstream, shadow: Record<string, unknown> = SHADOW) {
  return startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: { ...FAST_ROLLOUT, shadow } }], { stateFile: await privateStateFile() }));
}

const route = (adminUrl: string): Promise<Route> => getRoute(adminUrl, 'shop') as Promise<Route>;

async function shadowCounts(adminUrl: string): Promise<Record<string, number>> {
  const text = await (await request(`${adminUrl}/metrics`)).body.text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^cutover_shadow_requests_total\{route="shop",result="(\w+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('the shadow step with real upstreams', () => {
  it('reverts a canary that changes a field on a quarter of the answers, before any user request reaches it', async () => {
    const stable = await startItems('v1');
    const canary = await startItems('v2', (id, body) => (id % 4 === 0 ? { ...body, price: 99 } : body));
    const cut = await shadowCutover(stable, canary);
    expect((await route(cut.adminUrl)).phase).toBe('shadowing');
    const log = await driveItems(cut.dataUrl, { until: async () => (await route(cut.adminUrl)).phase !== 'shadowing', maxRequests: 3_000, deadlineMs: 20_000 });

    const r = await route(cut.adminUrl);
    expect(r.phase, r.rollout?.reason ?? '').toBe('reverted');
    expect(r.history.map((h) => h.to)).toEqual(['shadowing', 'reverted']);
    expect(r.rollout?.reason).toMatch(/^reverted in the shadow step: \d+ of \d+ compared answers differed from stable's .*; e\.g\. GET \/items\/\d+ \(body\): \$\.price: \d+ → 99/);
    expect(log.wrong).toEqual([]);
    // Every request the canary saw was a copy: as many as were compared or failed, none served to a client.
    // Polled: the last copies may still be on their way when the last client answer is in.
    await expect.poll(async () => {
      const c = await shadowCounts(cut.adminUrl);
      return c.match! + c.mismatch! + c.error! - clientRequests(canary).length;
    }, { timeout: 5_000 }).toBe(0);
    const counts = await shadowCounts(cut.adminUrl);
    expect(counts.mismatch).toBeGreaterThan(0);
    expect(counts.match).toBeGreaterThan(counts.mismatch!);
    const shadow = r.rollout!.shadow!;
    expect(shadow.active).toBe(false);
    expect(shadow.verdict?.outcome).toBe('fail');
    expect(shadow.mismatches.length).toBeGreaterThan(0);
    expect(shadow.mismatches.every((m) => m.part === 'body' && !m.path.includes('?') && m.method === 'GET')).toBe(true);
    // The copy carries the client's headers and the forwarding headers, as a real request does.
    const copy = clientRequests(canary)[0]!;
    expect(copy.headers.authorization).toBe('Bearer hunter2');
    expect(copy.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('passes a canary whose answers differ only in ignored fields (timestamps, key order, ignored headers) to the first step', async () => {
    const stable = await startItems('v1');
    const canary = await startItems('v2', (id, body) => ({ generatedAt: `2030-01-01T00:00:${String(id % 60).padStart(2, '0')}Z`, price: body.price, id: body.id }));
    const cut = await shadowCutover(stable, canary);
    const log = await driveItems(cut.dataUrl, { until: async () => (await route(cut.adminUrl)).phase !== 'shadowing', maxRequests: 5_000, deadlineMs: 25_000 });

    const r = await route(cut.adminUrl);
    expect(r.phase, r.rollout?.shadow?.verdict?.reason ?? '').toBe('progressing');
    expect(r.weight).toBe(10);
    expect(r.history.map((h) => `${h.to}@${h.weight}`)).toEqual(['shadowing@0', 'progressing@10']);
    expect(r.history[1]!.reason).toMatch(/^shadow step passed: canary answers agree with stable's: 0 of \d+ compared answers differed/);
    // Requests sent once step 1 began may go to the canary (10 %); none before.
    const passedAt = Date.parse(r.history[1]!.at);
    expect(log.wrong.filter((w) => w.sentAt < passedAt)).toEqual([]);
    expect((await shadowCounts(cut.adminUrl)).mismatch).toBe(0);
    expect(r.rollout?.shadow?.mismatches).toEqual([]);
  });

  it('mirrors only the listed methods and never a request with a body; compares large bodies by hash and streams them to the client intact', async () => {
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    const serve = (name: string) => startUpstream(name, (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
      res.end(req.method === 'HEAD' ? undefined : big);
    });
    const stable = await serve('v1');
    const canary = await serve('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], override: { header: 'x-cutover-version' }, rollout: { ...FAST_ROLLOUT, shadow: { ...SHADOW, compareBodyLimit: '16kb' } } }], { stateFile: await privateStateFile() }));
    for (let i = 0; i < 5; i++) {
      const got = await request(`${cut.dataUrl}/big/${i}`);
      expect(Buffer.from(await got.body.arrayBuffer()).equals(big)).toBe(true);
      const head = await request(`${cut.dataUrl}/big/${i}`, { method: 'HEAD' });
      await head.body.dump();
      expect(head.statusCode).toBe(200);
      const post = await request(`${cut.dataUrl}/orders`, { method: 'POST', body: 'one order' });
      await post.body.dump();
      const del = await request(`${cut.dataUrl}/orders/1`, { method: 'DELETE' });
      await del.body.dump();
      // Forced to stable by the override header: a probe, not mirrored.
      const forced = await request(`${cut.dataUrl}/forced/${i}`, { headers: { 'x-cutover-version': 'stable' } });
      await forced.body.dump();
    }
    await expect.poll(async () => (await shadowCounts(cut.adminUrl)).match, { timeout: 5_000 }).toBe(10);
    expect((await shadowCounts(cut.adminUrl)).mismatch).toBe(0);
    const methods = clientRequests(canary).map((r) => r.method);
    expect(methods.filter((m) => m === 'GET')).toHaveLength(5);
    expect(methods.filter((m) => m === 'HEAD')).toHaveLength(5);
    expect(methods.filter((m) => m !== 'GET' && m !== 'HEAD')).toEqual([]);
    expect(clientRequests(canary).filter((r) => r.url.startsWith('/forced/'))).toEqual([]);
    expect(clientRequests(stable).filter((r) => r.url.startsWith('/forced/'))).toHaveLength(5);
    expect(clientRequests(stable).filter((r) => r.method === 'POST')).toHaveLength(5);
  });

  it('leaves the client unaffected by a dead canary: every copy is a canary error', async () => {
    const stable = await startItems('v1');
    const gone = await startUpstream('gone');
    await gone.close();
    const cut = await shadowCutover(stable, gone);
    const log = await driveItems(cut.dataUrl, { until: async () => false, maxRequests: 60, deadlineMs: 10_000 });
    expect(log.sent).toBe(60);
    expect(log.wrong).toEqual([]);
    await expect.poll(async () => (await shadowCounts(cut.adminUrl)).error ?? 0, { timeout: 5_000 }).toBeGreaterThan(0);
    const counts = await shadowCounts(cut.adminUrl);
    expect(counts.match! + counts.mismatch!).toBe(0);
    const r = await route(cut.adminUrl);
    expect(r.rollout?.shadow?.mismatches.every((m) => m.part === 'error')).toBe(true);
    expect(r.history.some((h) => h.to === 'progressing')).toBe(false);
  });

  it('leaves the client unaffected by a canary that takes 2 s per request: copies time out or are dropped', async () => {
    const stable = await startItems('v1');
    const canary = await startUpstream('slow', (req, res) => {
      req.resume();
      const timer = setTimeout(() => res.end('late'), 2_000);
      res.on('close', () => clearTimeout(timer));
    });
    const cut = await shadowCutover(stable, canary, { ...SHADOW, timeout: '300ms', maxInFlight: 4 });
    const log = await driveItems(cut.dataUrl, { until: async () => false, maxRequests: 300, deadlineMs: 15_000 });

    expect(log.sent).toBe(300);
    expect(log.wrong).toEqual([]);
    const counts = await shadowCounts(cut.adminUrl);
    expect(counts.dropped).toBeGreaterThan(0);
    expect(counts.match).toBe(0);
    const r = await route(cut.adminUrl);
    // Timed-out copies are canary failures on the same requests: the paired error test reverts, or the step still holds.
    expect(['shadowing', 'reverted']).toContain(r.phase);
    expect(r.history.some((h) => h.to === 'progressing')).toBe(false);
    await expect.poll(async () => (await shadowCounts(cut.adminUrl)).error ?? 0, { timeout: 5_000 }).toBeGreaterThan(0);
  });
});
