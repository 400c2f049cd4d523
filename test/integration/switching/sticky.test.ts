import { describe, expect, it } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { send, tallyAnalysis } from './support.js';

const STICKY = { cookie: 'cutover-shop', maxAge: '1h', secret: 'sixteen-chars-or-more' };

async function setup(extra: Record<string, unknown> = {}) {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2');
  const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 0, sticky: STICKY, upstream: { warm: 0 } }], extra));
  return { cut, state: cut.app.states.get('shop')! };
}

function cookieOf(setCookie: string | string[] | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0]! : setCookie!;
  return line.slice(0, line.indexOf(';'));
}

describe('sticky versions', () => {
  it('ramping up only moves clients from stable to canary, and a revert moves them all back', async () => {
    const { cut, state } = await setup();
    const clients: string[] = [];
    for (let i = 0; i < 40; i++) {
      const first = await send(cut.dataUrl + '/');
      expect(first.body).toBe('v1');
      clients.push(cookieOf(first.headers['set-cookie']));
    }
    const onCanary = new Array<boolean>(clients.length).fill(false);
    const tally = tallyAnalysis(state);
    for (const weight of [5, 20, 50, 80, 100]) {
      state.weight = weight;
      for (let i = 0; i < clients.length; i++) {
        const a = await send(cut.dataUrl + '/', { headers: { cookie: `theme=dark; ${clients[i]}` } });
        expect(a.headers['set-cookie']).toBeUndefined();
        const now = a.body === 'v2';
        expect(onCanary[i] && !now).toBe(false);
        // The client's bucket is in its cookie: on canary exactly while bucket < weight.
        expect(now).toBe(Number(clients[i]!.split('=')[1]!.split('.')[0]) < weight);
        onCanary[i] = now;
      }
    }
    expect(onCanary.every(Boolean)).toBe(true);
    state.weight = 0;
    for (const cookie of clients) expect((await send(cut.dataUrl + '/', { headers: { cookie } })).body).toBe('v1');
    // Sticky requests stay in the analysis.
    expect(tally().stable.requests + tally().canary.requests).toBe(clients.length * 6);
  });

  it('a tampered cookie is a new client: a fresh signed cookie, and the forged bucket is ignored', async () => {
    const { cut, state } = await setup();
    state.weight = 1;
    const forged = 'cutover-shop=0.AAAAAAAAAAAAAAAAAAAAAA';
    for (let i = 0; i < 20; i++) {
      const a = await send(cut.dataUrl + '/', { headers: { cookie: forged } });
      const fresh = cookieOf(a.headers['set-cookie']);
      expect(fresh).not.toBe(forged);
      expect(a.body).toBe(Number(fresh.split('=')[1]!.split('.')[0]) < 1 ? 'v2' : 'v1');
    }
  });

  it('cookie attributes: Path, Max-Age, HttpOnly, SameSite=Lax; Secure only for https from a trusted proxy', async () => {
    const { cut } = await setup({ trustedProxies: ['127.0.0.1/32', '::1/128'] });
    const plain = (await send(cut.dataUrl + '/')).headers['set-cookie'];
    expect(plain).toMatch(/^cutover-shop=\d+\.[\w-]{22}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/);
    const secure = (await send(cut.dataUrl + '/', { headers: { 'x-forwarded-proto': 'https' } })).headers['set-cookie'];
    expect(secure).toMatch(/; SameSite=Lax; Secure$/);

    const { cut: untrusting } = await setup();
    const spoofed = (await send(untrusting.dataUrl + '/', { headers: { 'x-forwarded-proto': 'https' } })).headers['set-cookie'];
    expect(spoofed).not.toMatch(/Secure/);
  });

  it('keeps the upstream\'s own Set-Cookie lines next to the sticky one', async () => {
    const stable = await startUpstream('v1', (req, res) => {
      req.resume();
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.end('v1');
    });
    const canary = await startUpstream('v2');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 0, sticky: STICKY }]));
    const cookies = (await send(cut.dataUrl + '/')).headers['set-cookie'] as string[];
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['a', 'b', 'cutover-shop']);
  });
});
