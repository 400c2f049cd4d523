import { describe, expect, it } from 'vitest';
import { clientRequests, startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { freePort, metric, send, tallyAnalysis } from './support.js';

// Ejection would take a dead canary out of the draw after a few failures; these tests are about every retry.
const NO_EJECTION = { warm: 0, ejection: { connectFailures: 1_000 } };

describe('safe retries on stable', () => {
  it('a refused canary connection: the client gets the stable answer, counted as a retry and a canary failure', async () => {
    const stable = await startUpstream('v1');
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [`http://127.0.0.1:${await freePort()}`], weight: 100, upstream: NO_EJECTION }]));
    const tally = tallyAnalysis(cut.app.states.get('shop')!);
    for (let i = 0; i < 20; i++) {
      const method = i % 2 === 0 ? 'GET' : 'POST';
      // Whatever the method: nothing reached the canary.
      const a = await send(cut.dataUrl + '/', { method, body: method === 'POST' ? 'order=1' : undefined });
      expect(a).toMatchObject({ status: 200, body: 'v1' });
    }
    expect(clientRequests(stable).filter((r) => r.method === 'POST')).toHaveLength(10);
    expect(await metric(cut, 'cutover_retries_total{route="shop",reason="canary-failed"}')).toBe(20);
    expect(await metric(cut, 'cutover_upstream_errors_total{route="shop",version="canary",kind="connect"}')).toBe(20);
    expect(tally().canary).toMatchObject({ requests: 20, failures: 20 });
    // The stable answers to retried requests are not part of the experiment.
    expect(tally().stable.requests).toBe(0);
  });

  it('a GET whose canary connection resets before any response byte is retried on stable', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2', (req) => req.socket.destroy());
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 100, upstream: NO_EJECTION }]));
    expect(await send(cut.dataUrl + '/')).toMatchObject({ status: 200, body: 'v1' });
    expect(await metric(cut, 'cutover_retries_total{route="shop",reason="canary-failed"}')).toBe(1);
  });

  it('a POST that reached the canary is not retried: the client gets 502, stable never sees it', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2', (req) => {
      // Reads the whole order, then dies before answering: the order may have been taken.
      req.resume();
      req.once('end', () => req.socket.destroy());
    });
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 100, upstream: NO_EJECTION }]));
    const tally = tallyAnalysis(cut.app.states.get('shop')!);
    const a = await send(cut.dataUrl + '/orders', { method: 'POST', body: 'order=1' });
    expect(a.status).toBe(502);
    expect(clientRequests(canary).map((r) => r.method)).toEqual(['POST']);
    expect(clientRequests(stable)).toHaveLength(0);
    expect(Number.isNaN(await metric(cut, 'cutover_retries_total{route="shop",reason="canary-failed"}'))).toBe(true);
    expect(tally().canary).toMatchObject({ requests: 1, failures: 1 });
  });
});
