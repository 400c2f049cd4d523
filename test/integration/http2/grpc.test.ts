import { once } from 'node:events';
import { createServer } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { getRoute, privateStateFile } from '../rollout/load.js';
import { echoClient, grpc, startGrpcServer, unary } from '../../helpers/grpc.js';
import { startCutover, testConfig } from '../../helpers/servers.js';

const H2C = { protocol: 'h2c', warm: 1 };

function hostPort(url: string): string {
  return url.replace(/^https?:\/\//, '');
}

async function versionCounts(adminUrl: string, route: string): Promise<{ stable: { requests: number; failures: number }; canary: { requests: number; failures: number } }> {
  return await (await request(`${adminUrl}/api/v1/routes/${route}`)).body.json() as never;
}

describe('gRPC through cutover (h2c downstream, h2c upstream)', () => {
  it('unary, server-streaming and bidi calls pass with their trailers', async () => {
    const up = await startGrpcServer('v1');
    const cut = await startCutover(testConfig([{ name: 'rpc', stable: [up.url], upstream: H2C }]));
    const client = echoClient(hostPort(cut.dataUrl));

    const one = await unary(client, { text: 'hi' });
    expect(one.err).toBeNull();
    expect(one.res).toEqual({ text: 'v1: hi' });
    expect(one.trailers?.get('x-served-by')).toEqual(['v1']);

    const stream = client.count({ n: 5 });
    const got: unknown[] = [];
    stream.on('data', (m) => got.push(m));
    const [status] = await once(stream, 'status') as [grpc.StatusObject];
    expect(status.code).toBe(grpc.status.OK);
    expect(status.metadata.get('x-served-by')).toEqual(['v1']);
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => ({ i, from: 'v1' })));

    const chat = client.chat();
    const replies: string[] = [];
    chat.on('data', (m: { text: string }) => {
      replies.push(m.text);
      if (replies.length < 3) chat.write({ text: `m${replies.length}` });
      else chat.end();
    });
    chat.write({ text: 'm0' });
    const [chatStatus] = await once(chat, 'status') as [grpc.StatusObject];
    expect(chatStatus.code).toBe(grpc.status.OK);
    expect(replies).toEqual(['v1: m0', 'v1: m1', 'v1: m2']);

    const metrics = await (await request(cut.adminUrl + '/metrics')).body.text();
    expect(metrics).toContain('cutover_requests_total{route="rpc",version="stable",code="200"} 3');
  });

  it('grpc-status decides failure per failure.grpcStatus: NOT_FOUND is relayed and not a failure, UNAVAILABLE and INTERNAL are', async () => {
    const up = await startGrpcServer('v1');
    const cut = await startCutover(testConfig([{ name: 'rpc', stable: [up.url], upstream: H2C }]));
    const client = echoClient(hostPort(cut.dataUrl));
    const notFound = await unary(client, { fail: 'NOT_FOUND' });
    expect(notFound.err?.code).toBe(grpc.status.NOT_FOUND);
    expect(notFound.err?.details).toBe('v1 says NOT_FOUND');
    expect((await versionCounts(cut.adminUrl, 'rpc')).stable).toMatchObject({ requests: 1, failures: 0 });
    for (const fail of ['UNAVAILABLE', 'INTERNAL'] as const) expect((await unary(client, { fail })).err?.code).toBe(grpc.status[fail]);
    expect((await versionCounts(cut.adminUrl, 'rpc')).stable).toMatchObject({ requests: 3, failures: 2 });
  });

  it('failure.grpcStatus can be narrowed: only the listed codes count', async () => {
    const up = await startGrpcServer('v1');
    const cut = await startCutover(testConfig([{ name: 'rpc', stable: [up.url], upstream: H2C, failure: { grpcStatus: ['INTERNAL', 14] } }]));
    const client = echoClient(hostPort(cut.dataUrl));
    await unary(client, { fail: 'DEADLINE_EXCEEDED' });
    await unary(client, { fail: 'UNAVAILABLE' });
    expect((await versionCounts(cut.adminUrl, 'rpc')).stable).toMatchObject({ requests: 2, failures: 1 });
  });

  it('the proxy\'s own errors reach gRPC clients as gRPC statuses: UNAVAILABLE with no endpoint, DEADLINE_EXCEEDED on a timeout', async () => {
    // A port nothing listens on: bind 0, read it, close.
    const free = createServer();
    free.listen(0, '127.0.0.1');
    await once(free, 'listening');
    const deadPort = (free.address() as { port: number }).port;
    free.close();
    await once(free, 'close');
    const slow = await startGrpcServer('slow');
    const cut = await startCutover(testConfig([
      { name: 'dead', match: { pathPrefix: '/cutover.test.Echo/Echo' }, stable: [`http://127.0.0.1:${deadPort}`], upstream: { protocol: 'h2c', warm: 0 } },
    ]));
    const client = echoClient(hostPort(cut.dataUrl));
    const refused = await unary(client, { text: 'x' });
    expect(refused.err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(refused.err?.details).toMatch(/bad gateway|no healthy upstream/);

    const cut2 = await startCutover(testConfig([{ name: 'slow', stable: [slow.url], upstream: { protocol: 'h2c', warm: 0, headersTimeout: '200ms' } }]));
    const timedOut = await unary(echoClient(hostPort(cut2.dataUrl)), { text: 'x', delayMs: 1_000 });
    expect(timedOut.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(timedOut.err?.details).toMatch(/gateway timeout/);
  });

  it('a canary answering UNAVAILABLE to 5 % of calls is reverted, as an HTTP canary failing 5 % is', async () => {
    const stable = await startGrpcServer('v1');
    const canary = await startGrpcServer('v2', { failEvery: 20 });
    const rollout = { steps: [50, 100], minStepDuration: '1s', maxStepDuration: '1m', minSamples: 50, errorRate: { tolerance: '1%' }, latency: { quantile: 0.9, tolerance: '100%' }, falseRollbackRate: '1%' };
    const cut = await startCutover(testConfig([{ name: 'rpc', stable: [stable.url], canary: [canary.url], upstream: H2C, rollout }], { stateFile: await privateStateFile() }));
    const client = echoClient(hostPort(cut.dataUrl));
    // Bounded load: at most 6,000 calls or 25 s, 16 in flight, until the phase changes.
    const deadline = Date.now() + 25_000;
    let sent = 0;
    let phase = 'progressing';
    const worker = async (): Promise<void> => {
      while (phase === 'progressing' && sent < 6_000 && Date.now() < deadline) {
        sent++;
        await unary(client, { text: 'load' });
      }
    };
    const watcher = async (): Promise<void> => {
      while (phase === 'progressing' && sent < 6_000 && Date.now() < deadline) {
        phase = (await getRoute(cut.adminUrl, 'rpc')).phase;
        if (phase === 'progressing') await new Promise((r) => setTimeout(r, 100));
      }
    };
    await Promise.all([watcher(), ...Array.from({ length: 16 }, worker)]);
    const route = await getRoute(cut.adminUrl, 'rpc');
    expect(route.phase, route.rollout?.verdict?.reason).toBe('reverted');
    expect(route.rollout?.reason).toMatch(/canary error rate/);
  }, 40_000);
});
