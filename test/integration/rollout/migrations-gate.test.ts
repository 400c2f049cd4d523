import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { renderRouteSection } from '../../../src/admin/assets/render.js';
import type { ApiRoute } from '../../../src/admin/dashboard-model.js';
import { migrationsGate } from '../../../src/rollout/migrations-gate.js';
import { FAST_ROLLOUT, getRoute, pollUntil } from './load.js';

/** A webhook that keeps every notification it receives. */
async function startHook(): Promise<{ url: string; bodies: { to: string; from: string; reason: string }[] }> {
  const bodies: { to: string; from: string; reason: string }[] = [];
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; from: string; reason: string });
      res.writeHead(204).end();
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
  onTestFinished(() => new Promise<void>((r) => {
    hook.closeAllConnections();
    hook.close(() => r());
  }));
  return { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks`, bodies };
}

async function migrations(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-sql-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

async function rollout(rolloutExtra: Record<string, unknown>) {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2');
  const hook = await startHook();
  const dir = await mkdtemp(join(tmpdir(), 'cutover-mgate-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const cut = await startCutover(testConfig([{
    name: 'shop', stable: [stable.url], canary: [canary.url],
    rollout: { ...FAST_ROLLOUT, minStepDuration: '1h', maxStepDuration: '2h', notify: [{ url: hook.url }], ...rolloutExtra },
  }], { stateFile: join(dir, 'state.json') }));
  return { cut, hook };
}

const gatesDone = (adminUrl: string) => pollUntil(async () => {
  const r = await getRoute(adminUrl, 'shop');
  return r.phase !== 'progressing' || r.rollout?.step !== -1 ? r : undefined;
}, 'the gates to finish');

describe('migrations gate', () => {
  it('blocks the first step on an unsafe expand migration, with the finding in the reason, status and notification', async () => {
    const path = await migrations({
      '001_add.sql': "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n",
      '002_drop.sql': "SET lock_timeout = '2s';\nALTER TABLE users DROP COLUMN email;\n",
    });
    const { cut, hook } = await rollout({ gates: [{ migrations: { path, dialect: 'postgres' } }] });
    const route = await gatesDone(cut.adminUrl);
    expect(route).toMatchObject({ phase: 'reverted', weight: 0 });
    expect(route.rollout?.reason).toContain(`gate failed before the first step: gate 1 of 1: migrations ${path} (postgres, expand): 1 unsafe finding(s): ${join(path, '002_drop.sql')}:2:1 drop-column: users.email`);
    const notified = await pollUntil(() => hook.bodies.find((b) => b.to === 'reverted'), 'the revert notification');
    expect(notified.reason).toContain('002_drop.sql:2:1 drop-column');
    // The status list (what `cutover status` and the dashboard render) carries the same reason.
    const list = (await (await request(`${cut.adminUrl}/api/v1/routes`)).body.json()) as { routes: { rollout: { reason: string } }[] };
    expect(list.routes[0]!.rollout.reason).toContain('drop-column: users.email');
    // The dashboard renders that same JSON: the finding is on the page, in the verdict line and the history.
    const html = renderRouteSection(list.routes[0] as unknown as ApiRoute);
    expect(html.match(/002_drop\.sql:2:1 drop-column: users\.email/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('enters the first step when the migrations are safe in their dialect', async () => {
    const path = await migrations({ '20240301_AddRating.sql': 'ALTER TABLE [Blogs] ADD [Rating] int NULL;\nGO\n' });
    const { cut } = await rollout({ gates: [{ migrations: { path, dialect: 'sqlserver' } }] });
    const route = await gatesDone(cut.adminUrl);
    expect(route).toMatchObject({ phase: 'progressing', weight: 10 });
    expect(route.history.at(-1)?.reason).toMatch(/gates passed before the first step: the gate passed/);
  });

  it('fails closed on a path with no SQL files', async () => {
    const path = await migrations({ 'README.md': 'no sql here' });
    const { cut } = await rollout({ gates: [{ migrations: { path } }] });
    const route = await gatesDone(cut.adminUrl);
    expect(route.phase).toBe('reverted');
    expect(route.rollout?.reason).toMatch(/no \.sql files found; check the gate's path/);
  });

  it('runs afterPromotion once promoted: a failing contract check is recorded and notified, and the canary stays promoted', async () => {
    const path = await migrations({ '003_contract.sql': 'ALTER TABLE users RENAME COLUMN name TO full_name;\n' });
    const { cut, hook } = await rollout({ afterPromotion: [{ migrations: { path, phase: 'contract' } }] });
    await pollUntil(async () => ((await getRoute(cut.adminUrl, 'shop')).phase === 'progressing' ? true : undefined), 'the rollout to start');
    const res = await request(`${cut.adminUrl}/api/v1/routes/shop/promote`, { method: 'POST' });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    const route = await pollUntil(async () => {
      const r = await getRoute(cut.adminUrl, 'shop');
      return r.history.at(-1)?.reason.startsWith('after-promotion') ? r : undefined;
    }, 'the after-promotion gate');
    expect(route).toMatchObject({ phase: 'promoted', weight: 100 });
    expect(route.history.at(-2)?.reason).toMatch(/running 1 gate after promotion$/);
    expect(route.history.at(-1)).toMatchObject({ from: 'promoted', to: 'promoted' });
    expect(route.history.at(-1)?.reason).toMatch(/^after-promotion gate failed: gate 1 of 1: migrations .* \(postgres, contract\): 2 unsafe finding\(s\): .*003_contract.sql:1:1 rename-column: users.name/);
    const notified = await pollUntil(() => hook.bodies.find((b) => b.reason.startsWith('after-promotion gate failed')), 'the after-promotion notification');
    expect(notified).toMatchObject({ from: 'promoted', to: 'promoted' });
  });

  it('quotes at most five findings in the reason and counts the rest; a cancelled run says so', async () => {
    const drops = Array.from({ length: 7 }, (_, i) => `ALTER TABLE t${i} DROP COLUMN c;`).join('\n');
    const path = await migrations({ '001.sql': `SET lock_timeout = '2s';\n${drops}\n` });
    const outcome = await migrationsGate({ path, dialect: 'postgres', phase: 'expand' }, new AbortController().signal);
    expect(outcome.passed).toBe(false);
    expect(outcome.reason).toMatch(/: 7 unsafe finding\(s\): .*001\.sql:2:1 drop-column: t0\.c/);
    expect(outcome.reason.match(/drop-column/g)).toHaveLength(5);
    expect(outcome.reason).toMatch(/; and 2 more \(run cutover check-migrations\)$/);
    const cancelled = await migrationsGate({ path, dialect: 'postgres', phase: 'expand' }, AbortSignal.abort());
    expect(cancelled).toEqual({ passed: false, reason: `migrations ${path} (postgres, expand): cancelled` });
  });
});
