import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { FAST_ROLLOUT, getRoute, privateStateFile } from './load.js';

const TOKEN = 'correct-horse-battery-staple';

async function setup() {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2');
  const plain = await startUpstream('v3');
  return startCutover(testConfig([
    { name: 'shop', match: { pathPrefix: '/shop' }, stable: [stable.url], canary: [canary.url], rollout: FAST_ROLLOUT },
    { name: 'static', stable: [plain.url], canary: [canary.url], weight: 5 },
  ], { stateFile: await privateStateFile(), admin: { listen: '127.0.0.1:0', token: TOKEN } }));
}

async function call(url: string, method: 'POST' | 'PUT', body?: unknown, token: string | null = TOKEN) {
  const res = await request(url, {
    method,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as { error?: { code: string; message: string }; phase?: string; weight?: number } };
}

describe('rollout admin API', () => {
  it('refuses steering without the token (401) and changes nothing', async () => {
    const cut = await setup();
    for (const token of [null, 'wrong-token']) {
      const r = await call(`${cut.adminUrl}/api/v1/routes/shop/abort`, 'POST', undefined, token);
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('UNAUTHORIZED');
      expect((await call(`${cut.adminUrl}/api/v1/routes/shop/weight`, 'PUT', { weight: 90 }, token)).status).toBe(401);
    }
    expect(await getRoute(cut.adminUrl, 'shop')).toMatchObject({ phase: 'progressing', weight: 10 });
  });

  it('steers with the token and answers the route JSON', async () => {
    const cut = await setup();
    const paused = await call(`${cut.adminUrl}/api/v1/routes/shop/pause`, 'POST');
    expect(paused).toMatchObject({ status: 200, body: { phase: 'paused', weight: 10 } });
    expect((await call(`${cut.adminUrl}/api/v1/routes/shop/resume`, 'POST')).body.phase).toBe('progressing');
    expect((await call(`${cut.adminUrl}/api/v1/routes/shop/promote`, 'POST')).body).toMatchObject({ phase: 'promoted', weight: 100 });
    expect((await call(`${cut.adminUrl}/api/v1/routes/shop/abort`, 'POST')).body).toMatchObject({ phase: 'reverted', weight: 0 });
    expect((await call(`${cut.adminUrl}/api/v1/routes/static/weight`, 'PUT', { weight: 12.5 })).body).toMatchObject({ phase: 'manual', weight: 12.5 });
    const route = await getRoute(cut.adminUrl, 'shop');
    expect(route.history.map((h) => h.to)).toEqual(['progressing', 'paused', 'progressing', 'promoted', 'reverted']);
    expect(route.rollout).toMatchObject({ steps: [10, 50, 100], revision: null, reason: 'aborted by the operator' });
    expect(route.live.canary).toMatchObject({ rps: expect.any(Number), p99Ms: expect.any(Number) });
    expect((await getRoute(cut.adminUrl, 'static')).rollout).toBeNull();
  });

  it('answers 404, 409 and 400 with a code and a message that says what would work', async () => {
    const cut = await setup();
    const unknown = await call(`${cut.adminUrl}/api/v1/routes/nope/pause`, 'POST');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_ROUTE' } } });
    await call(`${cut.adminUrl}/api/v1/routes/shop/pause`, 'POST');
    const again = await call(`${cut.adminUrl}/api/v1/routes/shop/pause`, 'POST');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'INVALID_PHASE', message: expect.stringMatching(/already paused; `resume` continues/) });
    const noRollout = await call(`${cut.adminUrl}/api/v1/routes/static/promote`, 'POST');
    expect(noRollout).toMatchObject({ status: 409, body: { error: { code: 'NO_ROLLOUT' } } });
    for (const weight of [150, -1, '25', null]) {
      expect((await call(`${cut.adminUrl}/api/v1/routes/shop/weight`, 'PUT', { weight })).body.error?.code).toBe('INVALID_WEIGHT');
    }
  });

  it('streams transitions and stats as server-sent events', async () => {
    const cut = await setup();
    const res = await request(`${cut.adminUrl}/api/v1/events`, { signal: AbortSignal.timeout(10_000) });
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    let text = '';
    let paused = false;
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString('utf8');
      if (!paused && text.includes('event: stats')) {
        paused = true;
        await call(`${cut.adminUrl}/api/v1/routes/shop/pause`, 'POST');
      }
      if (text.includes('event: transition')) break;
    }
    const stats = /event: stats\ndata: (.*)\n/.exec(text)!;
    expect(JSON.parse(stats[1]!).routes.map((r: { name: string }) => r.name)).toEqual(['shop', 'static']);
    const transition = /event: transition\ndata: (.*)\n/.exec(text)!;
    expect(JSON.parse(transition[1]!)).toMatchObject({ route: 'shop', from: 'progressing', to: 'paused', weight: 10, step: 0 });
    res.body.destroy();
  });
});
