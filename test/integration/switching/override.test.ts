import { describe, expect, it } from 'vitest';
import { clientRequests, startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { send, tallyAnalysis } from './support.js';

async function setup(override: Record<string, unknown>, weight: number) {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2');
  const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight, override }]));
  const state = cut.app.states.get('shop')!;
  return { cut, stable, canary, state, tally: tallyAnalysis(state) };
}

describe('override header', () => {
  it('forces either version, is not forwarded, and forced requests stay out of the analysis', async () => {
    const { cut, canary, state, tally } = await setup({ header: 'X-Cutover-Version' }, 0);
    for (let i = 0; i < 10; i++) expect((await send(cut.dataUrl + '/', { headers: { 'x-cutover-version': 'canary' } })).body).toBe('v2');
    state.weight = 100;
    for (let i = 0; i < 10; i++) expect((await send(cut.dataUrl + '/', { headers: { 'X-Cutover-Version': ' Stable ' } })).body).toBe('v1');
    expect(tally().canary.requests).toBe(0);
    expect(tally().stable.requests).toBe(0);
    // Unforced requests are analysed as usual.
    for (let i = 0; i < 5; i++) expect((await send(cut.dataUrl + '/')).body).toBe('v2');
    expect(tally().canary.requests).toBe(5);
    expect(clientRequests(canary).every((r) => r.headers['x-cutover-version'] === undefined)).toBe(true);
    // Both versions still count the forced requests in Prometheus: they were served.
    expect(cut.app.proxy.routeTable.byName('shop')!.canary!.recorder.requests).toBe(15);
  });

  it('an unknown value falls through to the weighted choice, analysed', async () => {
    const { cut, tally } = await setup({ header: 'x-cutover-version' }, 0);
    expect((await send(cut.dataUrl + '/', { headers: { 'x-cutover-version': 'v2' } })).body).toBe('v1');
    expect(tally().stable.requests).toBe(1);
  });

  it('is ignored when disabled, and for clients outside allowFrom', async () => {
    const disabled = await setup({ header: 'x-cutover-version', enabled: false }, 0);
    const elsewhere = await setup({ header: 'x-cutover-version', allowFrom: ['10.0.0.0/8'] }, 0);
    const loopback = await setup({ header: 'x-cutover-version', allowFrom: ['127.0.0.0/8', '::1/128'] }, 0);
    for (const { cut, tally } of [disabled, elsewhere]) {
      expect((await send(cut.dataUrl + '/', { headers: { 'x-cutover-version': 'canary' } })).body).toBe('v1');
      expect(tally().stable.requests).toBe(1);
    }
    expect((await send(loopback.cut.dataUrl + '/', { headers: { 'x-cutover-version': 'canary' } })).body).toBe('v2');
    expect(loopback.tally().canary.requests).toBe(0);
  });
});
