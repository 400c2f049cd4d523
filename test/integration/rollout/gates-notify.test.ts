import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { FAST_ROLLOUT, getRoute, pollUntil } from './load.js';

async function rolloutWith(extra: Record<string, unknown>, canaryHandler?: Parameters<typeof startUpstream>[1]) {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2', canaryHandler);
  const dir = await mkdtemp(join(tmpdir(), 'cutover-gates-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: { ...FAST_ROLLOUT, ...extra } }], { stateFile: join(dir, 'state.json') }));
  return { cut, canary };
}

const settled = (adminUrl: string) => pollUntil(async () => {
  const r = await getRoute(adminUrl, 'shop');
  return r.phase !== 'progressing' || r.rollout?.step !== -1 ? r : undefined;
}, 'the gates to finish');

describe('rollout gates', () => {
  it('enters the first step when a command gate exits 0', async () => {
    const { cut } = await rolloutWith({ gates: [{ command: ['node', '-e', 'process.exit(0)'] }] });
    const route = await settled(cut.adminUrl);
    expect(route).toMatchObject({ phase: 'progressing', weight: 10 });
    expect(route.history.at(-1)?.reason).toMatch(/^gates passed before the first step: the gate passed/);
  });

  it('reverts with the output of a failing command gate', async () => {
    const { cut } = await rolloutWith({ gates: [{ command: ['node', '-e', 'console.error("smoke: checkout broken"); process.exit(3)'] }] });
    const route = await settled(cut.adminUrl);
    expect(route).toMatchObject({ phase: 'reverted', weight: 0 });
    expect(route.rollout?.reason).toMatch(/^gate failed before the first step: gate 1 of 1: command .* exited 3: smoke: checkout broken/);
  });

  it('checks an http gate against the expected status', async () => {
    const healthz = await startUpstream('hz', (req, res) => {
      req.resume();
      res.writeHead(req.url === '/ok' ? 200 : 503).end('warming up');
    });
    const good = await rolloutWith({ gates: [{ http: { url: `${healthz.url}/ok`, expectStatus: 200 } }] });
    expect(await settled(good.cut.adminUrl)).toMatchObject({ phase: 'progressing', weight: 10 });
    const bad = await rolloutWith({ gates: [{ http: { url: `${healthz.url}/bad`, expectStatus: 200 } }] });
    const route = await settled(bad.cut.adminUrl);
    expect(route.phase).toBe('reverted');
    expect(route.rollout?.reason).toMatch(/http GET .*\/bad answered 503, expected 200: warming up/);
  });
});

describe('rollout notifications', () => {
  it('POSTs each transition as JSON to the webhook, retrying a failed delivery', async () => {
    const bodies: unknown[] = [];
    let calls = 0;
    const hook = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        calls++;
        // The first delivery fails: the notifier must retry.
        if (calls === 1) return res.writeHead(503).end();
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(204).end();
        hook.emit('delivered');
      });
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    onTestFinished(() => new Promise<void>((r) => {
      hook.closeAllConnections();
      hook.close(() => r());
    }));
    const delivered = once(hook, 'delivered');
    await rolloutWith({ notify: [{ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks` }] });
    await delivered;
    expect(calls).toBe(2);
    expect(bodies[0]).toMatchObject({ type: 'transition', route: 'shop', from: 'stable', to: 'progressing', weight: 10, step: 0, steps: [10, 50, 100] });
    expect((bodies[0] as { at: string }).at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
